/**
 * Printing 1,000,000 rows: `osq shell` (pretty, --json, --csv) reading a synthetic virtual table,
 * beside the sqlite3 CLI (.mode table, json, csv) reading the same rows from a real table, in
 * one run. Reports wall time (the faster of two runs), the ratio to sqlite3, and peak resident
 * memory (VmHWM) of each, then osq's phases: start-up (`select 1`), the floor (start-up plus
 * every cell read through the virtual table, nothing printed) and, per mode, what printing adds.
 *
 * The synthetic table's generator is what a table's is: a fresh row object per row, a string
 * built per row; it does not reuse rows or precompute values.
 *
 * Run: deno run -A scripts/bench_shell_output.ts [ROWS]
 * Needs the sqlite3 CLI (Debian package sqlite3) at /usr/bin/sqlite3.
 *
 * @module
 */

const ROWS = Number(Deno.args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const SELF = new URL(import.meta.url).pathname;
const SQLITE3 = "/usr/bin/sqlite3";

/** Child mode: register the synthetic table, run the shell, report VmHWM on stderr. */
async function child(mode: string, rows: number): Promise<void> {
  const { registerTable } = await import("../core/registry.ts");
  registerTable({
    name: "bench_rows",
    description: "Synthetic rows for the shell output benchmark.",
    columns: [
      { name: "id", type: "BIGINT" },
      { name: "name", type: "TEXT" },
      { name: "value", type: "DOUBLE" },
    ],
    *generate() {
      for (let i = 0; i < rows; i++) yield { id: i, name: "name-" + i, value: i * 0.5 };
    },
  });
  const { main } = await import("../cmd/shell.ts");
  const flags = mode === "pretty" ? [] : mode === "floor" || mode === "startup" ? ["--list"] : [`--${mode}`];
  // "floor": every cell read through the virtual table, nothing printed (the engine's share).
  const sql = mode === "floor"
    ? "select sum(length(id) + length(name) + length(value)) from bench_rows"
    : mode === "startup"
    ? "select 1"
    : "select * from bench_rows";
  const status = await main([...flags, sql]);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"))?.[1];
  Deno.stderr.writeSync(new TextEncoder().encode(`VmHWM ${hwm}\n`));
  Deno.exit(status);
}

interface Measure {
  seconds: number;
  peakMiB: number;
}

/** Runs a command with stdout to /dev/null, sampling /proc/<pid>/status for the peak RSS. */
async function measure(cmd: string, args: string[], selfReported = false): Promise<Measure> {
  const started = performance.now();
  const proc = new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).spawn();
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const kb = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${proc.pid}/status`))?.[1];
      if (kb) peak = Math.max(peak, Number(kb));
    } catch {
      // The process has exited.
    }
  }, 10);
  const out = await proc.output();
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed: ${stderr}`);
  if (selfReported) {
    const kb = /VmHWM (\d+)/.exec(stderr)?.[1];
    if (kb) peak = Math.max(peak, Number(kb));
  }
  return { seconds, peakMiB: peak / 1024 };
}

/** The faster of two runs (the machine is shared; the slower run mostly measures the neighbours). */
async function best(run: () => Promise<Measure>): Promise<Measure> {
  const a = await run();
  const b = await run();
  return a.seconds <= b.seconds ? a : b;
}

if (Deno.args[0] === "--child") {
  await child(Deno.args[1], Number(Deno.args[2]));
} else {
  const dir = Deno.makeTempDirSync({ prefix: "osq-bench-" });
  const db = `${dir}/rows.db`;
  const create = new Deno.Command(SQLITE3, {
    args: [
      db,
      `create table bench_rows(id bigint, name text, value double);
       with recursive c(i) as (select 0 union all select i + 1 from c where i < ${ROWS - 1})
       insert into bench_rows select i, 'name-' || i, i * 0.5 from c;`,
    ],
  }).outputSync();
  if (!create.success) throw new Error(new TextDecoder().decode(create.stderr));
  const deno = Deno.execPath();
  console.log(`Printing ${ROWS.toLocaleString("en-US")} rows (3 columns) to /dev/null\n`);
  console.log("mode     osq shell           sqlite3 CLI         time ratio");
  const osqTimes = new Map<string, number>();
  for (const [mode, sqliteMode] of [["pretty", "table"], ["json", "json"], ["csv", "csv"]]) {
    const osq = await best(() => measure(deno, ["run", "-A", "--quiet", SELF, "--child", mode, String(ROWS)], true));
    const lite = await best(() => measure(SQLITE3, ["-cmd", `.mode ${sqliteMode}`, db, "select * from bench_rows"]));
    const cell = (m: Measure) => `${m.seconds.toFixed(2)} s ${m.peakMiB.toFixed(0).padStart(4)} MiB`.padEnd(20);
    console.log(`${mode.padEnd(9)}${cell(osq)}${cell(lite)}${(osq.seconds / lite.seconds).toFixed(2)}x`);
    osqTimes.set(mode, osq.seconds);
  }
  const startup = await best(() => measure(deno, ["run", "-A", "--quiet", SELF, "--child", "startup", "0"], true));
  const floor = await best(() => measure(deno, ["run", "-A", "--quiet", SELF, "--child", "floor", String(ROWS)], true));
  console.log(`\nosq phases (wall, best of two):`);
  console.log(`  start-up (select 1):                              ${startup.seconds.toFixed(2)} s`);
  console.log(
    `  scan: every cell read through the virtual table: ${(floor.seconds - startup.seconds).toFixed(2)} s ` +
      `(floor ${floor.seconds.toFixed(2)} s, ${floor.peakMiB.toFixed(0)} MiB)`,
  );
  for (const [mode, seconds] of osqTimes) {
    console.log(`  ${mode.padEnd(7)} reading results and printing:          ${(seconds - floor.seconds).toFixed(2)} s`);
  }
  Deno.removeSync(dir, { recursive: true });
}
