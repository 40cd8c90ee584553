/**
 * Side-by-side timing of the processes area against the native tools, in one run:
 *
 *   deno run -A scripts/bench_processes.ts [iterations]
 *
 * Pairs (osq in-process through {@linkcode Engine}, so the engine's start-up is excluded; the
 * native tool spawned as a user would run it, its start-up included):
 * 1. `SELECT * FROM processes`            vs `ps -eo pid,ppid,pgid,uid,gid,euid,egid,nice,nlwp,rss,vsz,state,comm,args`
 * 2. `SELECT pid, name FROM processes`    vs `ps -eo pid,comm`
 * 3. `SELECT * FROM process_open_files`   vs `ls -l /proc/*\/fd` (through sh for the glob)
 * 4. `SELECT * FROM listening_ports`      vs `ss -lntup`
 * and whole commands, both spawned: `./osq shell --json "SELECT * FROM processes"` vs the ps above.
 *
 * Runs alternate so cache warmth and background load hit both sides alike. Prints medians and
 * the ratio of medians (osq / native); under 2.0 meets the target.
 *
 * @module
 */
import "../tables/processes/mod.ts";
import { Engine } from "../core/engine.ts";

const iterations = Number(Deno.args[0] ?? 21);
const root = new URL("..", import.meta.url).pathname;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** Runs a command to completion and counts its output lines; undefined when it cannot run. */
function run(cmd: string, args: string[]): number | undefined {
  try {
    const out = new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).outputSync();
    if (!out.success) return undefined;
    let lines = 0;
    for (const byte of out.stdout) if (byte === 10) lines++;
    return lines;
  } catch {
    return undefined;
  }
}

interface Result {
  label: string;
  osq: number;
  native: number;
  osqRows: number;
  nativeLines: number;
}

const results: Result[] = [];

function compare(label: string, ours: () => number, native: () => number | undefined, runs = iterations): void {
  const osqRows = ours();
  const nativeLines = native();
  if (nativeLines === undefined) {
    console.log(`skipped: ${label} (native side unavailable)`);
    return;
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(time(ours));
    b.push(time(native));
  }
  results.push({ label, osq: median(a), native: median(b), osqRows, nativeLines });
}

const engine = new Engine();
const rows = (sql: string) => () => engine.query(sql).length;
const PS_COLUMNS = "pid,ppid,pgid,uid,gid,euid,egid,nice,nlwp,rss,vsz,state,comm,args";

compare(
  "processes: SELECT * vs ps -eo <14 columns>",
  rows("SELECT * FROM processes"),
  () => run("ps", ["-eo", PS_COLUMNS]),
);
compare(
  "processes: SELECT pid, name vs ps -eo pid,comm",
  rows("SELECT pid, name FROM processes"),
  () => run("ps", ["-eo", "pid,comm"]),
);
compare(
  "process_open_files: SELECT * vs ls -l /proc/*/fd",
  rows("SELECT * FROM process_open_files"),
  () => run("sh", ["-c", "ls -l /proc/[0-9]*/fd 2>/dev/null; true"]),
);
compare("listening_ports: SELECT * vs ss -lntup", rows("SELECT * FROM listening_ports"), () => run("ss", ["-lntup"]));

// Whole commands: both sides spawned, start-up included.
const shell = `${root}osq`;
const shellWorks = run(shell, ["shell", "--json", "SELECT pid FROM processes WHERE pid = 1"]) !== undefined;
if (shellWorks) {
  compare(
    "whole command: osq shell --json 'SELECT * FROM processes' vs ps",
    () => run(shell, ["shell", "--json", "SELECT * FROM processes"]) ?? 0,
    () => run("ps", ["-eo", PS_COLUMNS]),
    Math.min(iterations, 7),
  );
} else {
  console.log("skipped: whole-command osq shell (./osq shell is not available in this tree yet)");
}
// The same through a bare `deno eval` (Deno + SQLite + this area, no shell), so the start-up share is visible.
const evalCode = `import "${root}tables/processes/mod.ts"; import { Engine } from "${root}core/engine.ts"; ` +
  `console.log(JSON.stringify(new Engine().query("SELECT * FROM processes")));`;
compare(
  "whole command: deno eval Engine 'SELECT * FROM processes' vs ps",
  () => run(Deno.execPath(), ["eval", "--quiet", "--no-lock", evalCode]) ?? 0,
  () => run("ps", ["-eo", PS_COLUMNS]),
  Math.min(iterations, 7),
);

// osq-only figures for the pid-driven paths (no native counterpart).
const solo: [string, number][] = [];
for (
  const sql of [
    `SELECT * FROM processes WHERE pid = ${Deno.pid}`,
    `SELECT * FROM process_open_sockets WHERE pid = ${Deno.pid}`,
    "SELECT * FROM process_open_sockets",
    "SELECT p.name, s.* FROM processes p JOIN process_open_sockets s USING (pid)",
  ]
) {
  engine.query(sql);
  const xs: number[] = [];
  for (let i = 0; i < iterations; i++) xs.push(time(() => engine.query(sql)));
  solo.push([sql.replace(String(Deno.pid), "<our pid>"), median(xs)]);
}

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);
console.log(`\n${pad("comparison", 64)} ${lpad("osq ms", 9)} ${lpad("native ms", 10)} ${lpad("ratio", 7)}  rows/lines`);
for (const r of results) {
  const ratio = r.osq / r.native;
  console.log(
    `${pad(r.label, 64)} ${lpad(r.osq.toFixed(2), 9)} ${lpad(r.native.toFixed(2), 10)} ${
      lpad(ratio.toFixed(2) + "x", 7)
    }  ${r.osqRows}/${r.nativeLines}${ratio <= 2 ? "" : "  (over 2x)"}`,
  );
}
console.log("");
for (const [sql, ms] of solo) console.log(`${pad(sql, 74)} ${lpad(ms.toFixed(2), 9)} ms`);
console.log(`(medians of ${iterations} alternating runs; whole-command rows use ${Math.min(iterations, 7)})`);
