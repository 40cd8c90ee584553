/**
 * The `file` table over a large tree, side by side with `find -printf` in one run:
 *
 *   deno run -A --unstable-kv scripts/bench_files.ts [files=100000] [runs=5]
 *
 * Builds a temp tree of `files` empty files (1,000 per directory), then prints:
 * 1. time: `SELECT path, inode, size, mode, uid, gid, mtime FROM file WHERE path LIKE 'T/%%'`
 *    stepped through in-process (engine start-up excluded, rows consumed one at a time as the
 *    shell does) against `find T -printf '%p %i %s %m %U %G %T@\n'` (the same fields); medians of
 *    alternating runs and their ratio (target <= 2.0);
 * 2. memory: peak RSS of the whole `./osq shell --csv "<same query>"` command (its output to
 *    /dev/null), from getrusage(RUSAGE_CHILDREN) of a wrapper (target <= 80 MiB), beside find's.
 *
 * @module
 */
import "../tables/files/mod.ts";
import { Engine } from "../core/engine.ts";
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

function peakRss(cmd: string[]): number {
  return usage(cmd).rssKiB;
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
  const osqTimes: number[] = [];
  const findTimes: number[] = [];
  const osqCpu: number[] = [];
  const findCpu: number[] = [];
  let rows = 0;
  let lines = 0;
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    const cpu0 = process.cpuUsage();
    rows = 0;
    for (const { statement } of engine.statements(sql)) {
      try {
        while (statement.step()) {
          for (let c = 0; c < 7; c++) statement.value(c);
          rows++;
        }
      } finally {
        statement.finalize();
      }
    }
    osqTimes.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    osqCpu.push((cpu.user + cpu.system) / 1000);
    t0 = performance.now();
    const out = new Deno.Command("find", { args: findArgs, stdout: "piped" }).outputSync();
    findTimes.push(performance.now() - t0);
    lines = out.stdout.reduce((n, b) => n + (b === 10 ? 1 : 0), 0);
    findCpu.push(usage(["find", ...findArgs]).cpuMs);
  }
  const osqMs = median(osqTimes);
  const findMs = median(findTimes);
  const osqRss = peakRss([`${repo}osq`, "shell", "--csv", sql]);
  const findRss = peakRss(["find", ...findArgs]);
  console.log(`file over ${count} files (${rows} rows; find printed ${lines} lines), median of ${runs} runs:`);
  console.log(
    `  time    osq in-process ${osqMs.toFixed(0)} ms | find -printf ${findMs.toFixed(0)} ms | ratio ${
      (osqMs / findMs).toFixed(2)
    } (target <= 2.0)`,
  );
  console.log(
    `  CPU     osq in-process ${median(osqCpu).toFixed(0)} ms | find -printf ${median(findCpu).toFixed(0)} ms | ` +
      `ratio ${(median(osqCpu) / median(findCpu)).toFixed(2)} (CPU time: what a loaded machine distorts least)`,
  );
  console.log(
    `  peak RSS osq shell command ${(osqRss / 1024).toFixed(1)} MiB (target <= 80) | find ${
      (findRss / 1024).toFixed(1)
    } MiB`,
  );
} finally {
  Deno.removeSync(tree, { recursive: true });
}
