/**
 * The host file reader against Deno's own, side by side, over every file under /proc/sys (the
 * reads system_controls makes) and the /proc/<pid> files the processes tables read:
 *
 *   deno bench -A core/host/files_bench.ts
 *
 * @module
 */
import { readText } from "./files.ts";

function filesUnder(dir: string, out: string[] = []): string[] {
  try {
    for (const e of Deno.readDirSync(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) filesUnder(path, out);
      else out.push(path);
    }
  } catch {
    // Unreadable: nothing below it.
  }
  return out;
}

function denoReadText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

const sysctl = filesUnder("/proc/sys");
const perProcess: string[] = [];
for (const e of Deno.readDirSync("/proc")) {
  if (!/^\d+$/.test(e.name)) continue;
  for (const f of ["stat", "status", "io", "cgroup", "cmdline", "environ"]) perProcess.push(`/proc/${e.name}/${f}`);
}

Deno.bench(`/proc/sys (${sysctl.length} files): core/host readText`, { group: "sysctl" }, () => {
  for (const f of sysctl) readText(f);
});
Deno.bench(`/proc/sys (${sysctl.length} files): Deno.readTextFileSync`, { group: "sysctl", baseline: true }, () => {
  for (const f of sysctl) denoReadText(f);
});
Deno.bench(`/proc/<pid> (${perProcess.length} files): core/host readText`, { group: "pid" }, () => {
  for (const f of perProcess) readText(f);
});
Deno.bench(`/proc/<pid> (${perProcess.length} files): Deno.readTextFileSync`, { group: "pid", baseline: true }, () => {
  for (const f of perProcess) denoReadText(f);
});
