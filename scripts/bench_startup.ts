/**
 * Start-up cost of one-shot commands, side by side with Deno's own start-up:
 *
 *   deno run -A scripts/bench_startup.ts [--rounds 15]
 *
 * Each round runs every command once, in turn (A/B pairs interleaved, so load drifts hit all
 * alike), after two warm-up rounds; the figures are medians over the rounds. CPU is user + system
 * time of the child process (and its children) from wait4(2)'s rusage, peak RSS its ru_maxrss;
 * both are read by a small python3 helper because Deno's Command API does not expose rusage.
 *
 * Commands: `deno run hello.ts` (the reference), `dist/osq version` (the floor of the one-file
 * executable: loader, Deno, one dynamic import, no SQLite; no target), `osq shell "select 1"` and
 * `osq shell --csv "select pid, name, cmdline from processes"`, each through the one-file
 * executable (dist/osq, built first from the current sources unless `--no-build`) and the source
 * launcher (./osq, which rebuilds its shell bundle itself when a source changed: the warm-up
 * rounds absorb that). The targets (issue 10): select 1 <= 2x the reference's CPU and <= 1.5x its
 * RSS; processes <= 2.5x its CPU. The load average before and after the rounds is printed too.
 *
 * @module
 */
import { build } from "./build.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const roundsArg = Deno.args.indexOf("--rounds");
const ROUNDS = Math.max(10, roundsArg >= 0 ? Number(Deno.args[roundsArg + 1]) : 15);

const RUSAGE_HELPER = `
import os, sys
pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1)
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, ru = os.wait4(pid, 0)
print(ru.ru_utime + ru.ru_stime, ru.ru_maxrss, os.waitstatus_to_exitcode(status))
`;

interface Sample {
  cpu: number;
  rssKiB: number;
}

async function measure(argv: string[]): Promise<Sample> {
  const out = await new Deno.Command("python3", { args: ["-c", RUSAGE_HELPER, ...argv], stdout: "piped" }).output();
  const [cpu, rss, code] = new TextDecoder().decode(out.stdout).trim().split(/\s+/).map(Number);
  if (!out.success || code !== 0) throw new Error(`${argv.join(" ")} exited with ${code}`);
  return { cpu, rssKiB: rss };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const dist = `${ROOT}dist/osq`;
// A dist/osq built from older sources would measure older code.
if (!Deno.args.includes("--no-build")) await build(dist);
const loadAverage = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const loadBefore = loadAverage();
const dir = await Deno.makeTempDir({ prefix: "osq_bench_startup_" });
Deno.writeTextFileSync(`${dir}/hello.ts`, 'console.log("hello");\n');
const deno = Deno.execPath();
const SELECT1 = "select 1";
const PROCESSES = "select pid, name, cmdline from processes";

const commands: { label: string; argv: string[] }[] = [
  { label: "deno run hello.ts", argv: [deno, "run", "--quiet", "--no-lock", "--no-config", `${dir}/hello.ts`] },
  // No engine, no SQLite: what the loader, Deno and one dynamic import cost before osq does any work.
  { label: "dist/osq version", argv: [dist, "version"] },
  { label: `dist/osq shell "${SELECT1}"`, argv: [dist, "shell", SELECT1] },
  { label: `./osq shell "${SELECT1}"`, argv: [`${ROOT}osq`, "shell", SELECT1] },
  { label: `dist/osq shell --csv "${PROCESSES}"`, argv: [dist, "shell", "--csv", PROCESSES] },
  { label: `./osq shell --csv "${PROCESSES}"`, argv: [`${ROOT}osq`, "shell", "--csv", PROCESSES] },
];

const samples = commands.map(() => [] as Sample[]);
for (let round = -2; round < ROUNDS; round++) {
  for (const [i, c] of commands.entries()) {
    const s = await measure(c.argv);
    if (round >= 0) samples[i].push(s);
  }
}
await Deno.remove(dir, { recursive: true });
const loadAfter = loadAverage();

const results = commands.map((c, i) => ({
  label: c.label,
  cpu: median(samples[i].map((s) => s.cpu)),
  rss: median(samples[i].map((s) => s.rssKiB)) / 1024,
}));
const ref = results[0];
console.log(`start-up, median of ${ROUNDS} rounds (commands in turn), CPU = user+sys of the child`);
console.log(`load average (1, 5, 15 min) before: ${loadBefore}, after: ${loadAfter}\n`);
console.log(
  `${"command".padEnd(66)} ${"CPU s".padStart(7)} ${"x hello".padStart(8)} ${"RSS MiB".padStart(8)} ${
    "x hello".padStart(8)
  }`,
);
for (const r of results) {
  console.log(
    `${r.label.padEnd(66)} ${r.cpu.toFixed(3).padStart(7)} ${(r.cpu / ref.cpu).toFixed(2).padStart(8)} ` +
      `${r.rss.toFixed(1).padStart(8)} ${(r.rss / ref.rss).toFixed(2).padStart(8)}`,
  );
}
const verdict = (ok: boolean) => ok ? "met" : "NOT met";
console.log("\ntargets:");
for (const r of results.slice(1)) {
  if (!r.label.includes("shell")) continue;
  if (r.label.includes(SELECT1)) {
    console.log(
      `  ${r.label}: CPU <= 2x ${verdict(r.cpu <= 2 * ref.cpu)}, RSS <= 1.5x ${verdict(r.rss <= 1.5 * ref.rss)}`,
    );
  } else console.log(`  ${r.label}: CPU <= 2.5x ${verdict(r.cpu <= 2.5 * ref.cpu)}`);
}
