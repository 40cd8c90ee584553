/**
 * Benchmarks of the system tables: a full scan of each, and side-by-side groups against the
 * native tool that reads the same source (the native tool is the baseline, so `deno bench`
 * prints osq's time as a multiple of it).
 *
 *   deno bench -A tables/system/system_bench.ts
 *
 * @module
 */
import "./mod.ts";
import { Engine } from "../../core/engine.ts";

const engine = new Engine();

function hasTool(name: string): boolean {
  try {
    return new Deno.Command(name, { args: ["--version"], stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

function run(tool: string, args: string[]): void {
  new Deno.Command(tool, { args, stdout: "piped", stderr: "null" }).outputSync();
}

const SIDE_BY_SIDE: [string, string, string[]][] = [
  ["SELECT * FROM mounts", "findmnt", ["-rn", "-o", "SOURCE,TARGET,FSTYPE,OPTIONS,SIZE,AVAIL,USED"]],
  ["SELECT * FROM system_controls", "sysctl", ["-a"]],
  ["SELECT * FROM block_devices", "lsblk", [
    "-rnb",
    "-o",
    "NAME,PKNAME,VENDOR,MODEL,SERIAL,SIZE,LOG-SEC,UUID,FSTYPE,LABEL",
  ]],
  ["SELECT * FROM uptime", "uptime", []],
];

for (const [sql, tool, args] of SIDE_BY_SIDE) {
  if (!hasTool(tool)) continue;
  Deno.bench({ name: `native: ${tool} ${args.join(" ")}`, group: sql, baseline: true, fn: () => run(tool, args) });
  Deno.bench({ name: `osq: ${sql}`, group: sql, fn: () => void engine.query(sql) });
}

for (
  const table of ["time", "system_info", "os_version", "kernel_info", "cpu_time", "cpuid", "pci_devices", "acpi_tables"]
) {
  Deno.bench({ name: `scan ${table}`, group: "scans", fn: () => void engine.query(`SELECT * FROM ${table}`) });
}
