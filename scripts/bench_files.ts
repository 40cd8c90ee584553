/**
 * The `file` table over a large tree, side by side with `find -printf` in one run:
 *
 *   deno run -A --unstable-kv scripts/bench_files.ts [files=100000] [runs=5]
 *
 * Builds a temp tree of `files` empty files (1,000 per directory), then prints:
 * 1. time: `SELECT path, inode, size, mode, uid, gid, mtime FROM file WHERE path LIKE 'T/%%'`
 *    run in-process (engine start-up excluded) and printed as the shell prints it (its CSV
 *    printer reading each row in place with RowCells, into its output buffer, to /dev/null),
 *    against `find T -printf '%p %i %s %m %U %G %T@\n'` (the same fields, to a pipe); medians of
 *    alternating runs after one untimed pass of each, and their ratio (target <= 2.0). Two more
 *    in-process figures say where the time goes: the scan alone (rows stepped, no value read) and
 *    every value read into a JavaScript value (`statement.value`, what an SDK caller pays);
 * 2. the whole command as a user runs it: peak RSS (the largest of 3; target <= 80 MiB) and CPU
 *    (median of 3, start-up included) of `./osq shell --csv "<same query>"` (its output to
 *    /dev/null), from getrusage(RUSAGE_CHILDREN) of a wrapper, beside find's.
 *
 * @module
 */
import "../tables/files/mod.ts";
import { Engine } from "../core/engine.ts";
import { createPrinter, type PrintSettings } from "../cmd/shell/printer.ts";
import type { Printer } from "../cmd/shell/printers/types.ts";
import { StatementCells } from "../cmd/shell/runner.ts";
import { Output } from "../cmd/shell/output.ts";
import process from "node:process";

const count = Number(Deno.args[0] ?? 100_000);
const runs = Number(Deno.args[1] ?? 5);
const repo = new URL("..", import.meta.url).pathname;
const tree = Deno.makeTempDirSync({ prefix: "osq-bench-files-" });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Peak RSS in KiB and CPU ms (user + system) of `cmd args` (stdout discarded), measured by a
 * small Python wrapper with getrusage(RUSAGE_CHILDREN).
 */
function usage(cmd: string[]): { rssKiB: number; cpuMs: number } {
  const py = "import resource,subprocess,sys\n" +
    "subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,check=True)\n" +
    "r=resource.getrusage(resource.RUSAGE_CHILDREN)\n" +
    "print(r.ru_maxrss, (r.ru_utime + r.ru_stime) * 1000)";
  const out = new Deno.Command("python3", { args: ["-c", py, ...cmd], stdout: "piped" }).outputSync();
  if (!out.success) throw new Error(`${cmd.join(" ")} failed`);
  const [rssKiB, cpuMs] = new TextDecoder().decode(out.stdout).trim().split(" ").map(Number);
  return { rssKiB, cpuMs };
}

/** What `osq shell --csv` prints with (header, comma, RFC 4180 quoting). */
const CSV: PrintSettings = { mode: "csv", json: "none", showHeader: true, separator: ",", nullvalue: "", colWidth: [] };

/**
 * Runs `sql` in-process; `read` says how each row is consumed: "shell" prints it as the shell's
 * CSV printer does, "values" reads every value as a JavaScript value, "none" reads nothing.
 */
function scan(
  engine: Engine,
  sql: string,
  out: Output,
  read: "shell" | "values" | "none",
  printer: Printer,
): { rows: number; ms: number; cpuMs: number } {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let rows = 0;
  for (const { statement } of engine.statements(sql)) {
    try {
      const n = statement.columnNames.length;
      if (read === "shell") printer.columns(statement.columnNames);
      const cells = new StatementCells();
      const typed = printer.typed === true;
      while (statement.step()) {
        if (read === "shell") {
          cells.load(statement, n, typed);
          printer.row(cells);
        } else if (read === "values") {
          for (let c = 0; c < n; c++) statement.value(c);
        }
        rows++;
      }
    } finally {
      statement.finalize();
    }
  }
  printer.finish();
  out.flush();
  const cpu = process.cpuUsage(cpu0);
  return { rows, ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
}

try {
  const perDir = 1000;
  for (let d = 0; d * perDir < count; d++) {
    Deno.mkdirSync(`${tree}/d${d}`);
    for (let f = 0; f < perDir && d * perDir + f < count; f++) {
      Deno.writeFileSync(`${tree}/d${d}/f${f}`, new Uint8Array());
    }
  }
  const sql = `SELECT path, inode, size, mode, uid, gid, mtime FROM file WHERE path LIKE '${tree}/%%'`;
  const findArgs = [tree, "-mindepth", "1", "-printf", "%p %i %s %m %U %G %T@\\n"];
  const engine = new Engine();
  const devNull = Deno.openSync("/dev/null", { write: true });
  const out = new Output(devNull, "/dev/null");
  const printer = await createPrinter(CSV, out);
  const osqTimes: number[] = [];
  const findTimes: number[] = [];
  const osqCpu: number[] = [];
  const findCpu: number[] = [];
  const scanCpu: number[] = [];
  const valuesCpu: number[] = [];
  let rows = 0;
  let lines = 0;
  // One untimed pass of each kind first: the first pass of a process runs while V8 still compiles
  // the walk, the virtual table's callbacks and the printer (and SQLite's functions are compiled
  // after their first calls), up to twice as slow as the next; the target excludes start-up.
  scan(engine, sql, out, "shell", printer);
  scan(engine, sql, out, "none", printer);
  scan(engine, sql, out, "values", printer);
  for (let i = 0; i < runs; i++) {
    const shell = scan(engine, sql, out, "shell", printer);
    rows = shell.rows;
    osqTimes.push(shell.ms);
    osqCpu.push(shell.cpuMs);
    scanCpu.push(scan(engine, sql, out, "none", printer).cpuMs);
    valuesCpu.push(scan(engine, sql, out, "values", printer).cpuMs);
    const t0 = performance.now();
    const found = new Deno.Command("find", { args: findArgs, stdout: "piped" }).outputSync();
    findTimes.push(performance.now() - t0);
    lines = found.stdout.reduce((n, b) => n + (b === 10 ? 1 : 0), 0);
    findCpu.push(usage(["find", ...findArgs]).cpuMs);
  }
  devNull.close();
  const osqMs = median(osqTimes);
  const findMs = median(findTimes);
  // The whole command as a user runs it (start-up included), three in turn, medians.
  const osqWhole: { rssKiB: number; cpuMs: number }[] = [];
  const findWhole: { rssKiB: number; cpuMs: number }[] = [];
  for (let i = 0; i < 3; i++) {
    osqWhole.push(usage([`${repo}osq`, "shell", "--csv", sql]));
    findWhole.push(usage(["find", ...findArgs]));
  }
  const osqRss = Math.max(...osqWhole.map((u) => u.rssKiB));
  const findRss = Math.max(...findWhole.map((u) => u.rssKiB));
  const osqWholeCpu = median(osqWhole.map((u) => u.cpuMs));
  const findWholeCpu = median(findWhole.map((u) => u.cpuMs));
  console.log(`file over ${count} files (${rows} rows; find printed ${lines} lines), median of ${runs} runs:`);
  console.log(
    `  time    osq in-process ${osqMs.toFixed(0)} ms | find -printf ${findMs.toFixed(0)} ms | ratio ${
      (osqMs / findMs).toFixed(2)
    } (target <= 2.0)`,
  );
  const findCpuMs = median(findCpu);
  console.log(
    `  CPU     osq in-process ${median(osqCpu).toFixed(0)} ms | find -printf ${findCpuMs.toFixed(0)} ms | ` +
      `ratio ${(median(osqCpu) / findCpuMs).toFixed(2)} (CPU time: what a loaded machine distorts least)`,
  );
  console.log(
    `  CPU     scan alone (no value read) ${median(scanCpu).toFixed(0)} ms (${
      (median(scanCpu) / findCpuMs).toFixed(2)
    }x find) | every value read as a JS value ${median(valuesCpu).toFixed(0)} ms (${
      (median(valuesCpu) / findCpuMs).toFixed(2)
    }x find)`,
  );
  console.log(
    `  peak RSS osq shell command ${(osqRss / 1024).toFixed(1)} MiB (target <= 80) | find ${
      (findRss / 1024).toFixed(1)
    } MiB`,
  );
  console.log(
    `  CPU     whole command (start-up included, median of 3): ./osq shell --csv ${osqWholeCpu.toFixed(0)} ms | ` +
      `find -printf ${findWholeCpu.toFixed(0)} ms | ratio ${(osqWholeCpu / findWholeCpu).toFixed(2)}`,
  );
} finally {
  Deno.removeSync(tree, { recursive: true });
}
