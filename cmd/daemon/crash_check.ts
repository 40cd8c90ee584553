/**
 * The crash check: files come and go under a watched directory while the daemon is killed
 * with SIGKILL at random moments and restarted. Replaying the results log must then give
 * exactly the directory's final state, with no "added" for a path already present and no
 * "removed" for one absent: every change logged exactly once.
 *
 * Without the watchdog the schedule runs in the top process, which is killed. With it
 * (`watchdog: true`) the kills cycle through: the worker (the supervisor respawns it; that run
 * then ends with a graceful SIGTERM), the supervisor (the orphaned worker notices within a tick
 * and exits; the next daemon waits for its database lock), and both at once.
 *
 * Run directly for a longer check: `deno run -A cmd/daemon/crash_check.ts 50` (add `--watchdog`
 * for the second mode).
 *
 * @module
 */
import { TestDaemon } from "../../testing/test_daemon.ts";
import { zstdDecompress } from "../../core/compress/zstd.ts";

/** The outcome of a crash check. */
export interface CrashReport {
  runs: number;
  lines: number;
  problems: string[];
}

function childPids(pid: number): number[] {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/).filter(Boolean).map(
      Number,
    );
  } catch {
    return [];
  }
}

/**
 * Where the daemon's results go and how to read them back: by default the filesystem logger
 * (rotating); a remote logger's check points the daemon at a peer (see `--logger=` below).
 */
export interface CrashSink {
  /** Flags for the daemon (with --disable_watchdog). */
  args: string[];
  /** Every result line delivered so far, oldest first. */
  lines(logDir: string): Promise<Record<string, unknown>[]>;
}

/** Options of {@linkcode crashCheck}. */
export interface CrashOptions {
  /** Run with the watchdog (supervisor + worker processes) and kill either or both. */
  watchdog?: boolean;
}

/** What one watchdog-mode cycle kills. */
type Victim = "worker" | "supervisor" | "both";

/** Waits (polling) until `pid` has a child other than `not`; its pid, or undefined after `ms`. */
async function workerOf(pid: number, ms: number, not?: number): Promise<number | undefined> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const child = childPids(pid).find((c) => c !== not);
    if (child !== undefined) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

function kill(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/**
 * SIGKILLs the running daemon `d`'s worker (the top process's children) or, half the time or when
 * it has none, its top process, then reaps it; says which ("worker" or "top process").
 */
export async function killWorkerOrTop(d: TestDaemon): Promise<string> {
  const top = d.child!.pid;
  const victims = Math.random() < 0.5 ? childPids(top) : [top];
  for (const pid of victims.length ? victims : [top]) kill(pid);
  await d.kill();
  return victims.length && victims[0] !== top ? "worker" : "top process";
}

/** Runs `runs` kill/restart cycles and checks the log (or what `sink` received). */
export async function crashCheck(
  runs: number,
  log: (s: string) => void = () => {},
  sink: CrashSink = { args: ROTATING, lines: (dir) => Promise.resolve(allLines(dir)) },
  options: CrashOptions = {},
): Promise<CrashReport> {
  const args = options.watchdog ? sink.args.filter((a) => a !== "--disable_watchdog") : sink.args;
  const d = new TestDaemon();
  const w = `${d.dir}/watched`;
  d.writeConfig({
    schedule: {
      files: { query: `select path from file where directory = '${w}'`, interval: 1, denylist: false },
    },
  });
  let next = 0;
  const present = new Set<string>();
  let churning = true;
  const churn = (async () => {
    while (churning) {
      const name = `${w}/f${next++}`;
      Deno.writeTextFileSync(name, "");
      present.add(name);
      if (present.size > 5) {
        const victim = [...present][Math.floor(Math.random() * present.size)];
        Deno.removeSync(victim);
        present.delete(victim);
      }
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 200));
    }
  })();
  try {
    for (let i = 0; i < runs; i++) {
      d.start(args);
      if (options.watchdog) {
        const what = await watchdogCycle(d, (["worker", "supervisor", "both"] as const)[i % 3]);
        log(`run ${i + 1}/${runs}: ${what}`);
        continue;
      }
      await new Promise((r) => setTimeout(r, 800 + Math.random() * 2500));
      log(`run ${i + 1}/${runs}: killed ${await killWorkerOrTop(d)}`);
    }
    churning = false;
    await churn;
    // A last clean run catches up with the final state.
    d.start(args);
    const want = [...present].sort().join("\n");
    const end = Date.now() + 60_000;
    while (replay(await sink.lines(d.logDir)).state.sort().join("\n") !== want) {
      if (Date.now() > end) throw new Error(`Timed out waiting for the final state. stderr:\n${d.stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await d.stop();
    const lines = await sink.lines(d.logDir);
    const { problems } = replay(lines);
    return { runs, lines: lines.length, problems };
  } finally {
    churning = false;
    await churn;
    await d.kill();
    d.cleanup();
  }
}

/**
 * One watchdog-mode cycle: lets the worker run a random while, kills `victim`, and leaves no
 * daemon of this cycle but possibly an orphaned worker that is about to exit. Says what it did.
 */
async function watchdogCycle(d: TestDaemon, victim: Victim): Promise<string> {
  const top = d.child!.pid;
  // The worker starts (and loads every table) after the supervisor: let it work a while.
  const worker = await workerOf(top, 60_000);
  await new Promise((r) => setTimeout(r, 500 + Math.random() * 2500));
  if (worker === undefined) {
    await d.kill();
    return "no worker started; killed the supervisor";
  }
  if (victim === "supervisor") {
    kill(top);
    await d.kill();
    return "killed the supervisor (the worker is left to notice)";
  }
  if (victim === "both") {
    kill(worker);
    kill(top);
    await d.kill();
    return "killed the supervisor and the worker";
  }
  kill(worker);
  // osquery's watcher respawns the worker (after a back-off when it died young).
  const next = await workerOf(top, 60_000, worker);
  if (next === undefined) {
    await d.kill();
    return "killed the worker; no respawn within 60 s, killed the supervisor";
  }
  await new Promise((r) => setTimeout(r, 500 + Math.random() * 2500));
  await d.stop();
  return "killed the worker; the respawned one stopped gracefully";
}

/** Small rotation size, so kills also land around rotations (with zstd-compressed older files). */
const ROTATING = [
  "--disable_watchdog",
  "--logger_rotate",
  "--logger_rotate_size=4000",
  "--logger_rotate_max_files=1000",
];

/** Every result line across rotated files, oldest first (.N.zst ... .2.zst, .1, current). */
export function allLines(dir: string): Record<string, unknown>[] {
  const base = `${dir}/osqueryd.results.log`;
  const texts: string[] = [];
  for (let i = 1;; i++) {
    const plain = `${base}.${i}`;
    const packed = `${base}.${i}.zst`;
    try {
      texts.unshift(
        i === 1 ? Deno.readTextFileSync(plain) : new TextDecoder().decode(zstdDecompress(Deno.readFileSync(packed))),
      );
    } catch {
      break;
    }
  }
  try {
    texts.push(Deno.readTextFileSync(base));
  } catch {
    // nothing yet
  }
  return texts.join("").split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

/**
 * Applies the added/removed lines (of the query `name`, or every line) in order; reports
 * impossible transitions: a change logged twice or a path that appears from nowhere.
 */
export function replay(lines: Record<string, unknown>[], name?: string): { state: string[]; problems: string[] } {
  const state = new Set<string>();
  const problems: string[] = [];
  for (const l of lines) {
    if (name !== undefined && l.name !== name) continue;
    const path = (l.columns as Record<string, string>).path;
    if (l.action === "added") {
      if (state.has(path)) problems.push(`added twice: ${path} (counter ${l.counter})`);
      state.add(path);
    } else if (l.action === "removed") {
      if (!state.has(path)) problems.push(`removed while absent: ${path} (counter ${l.counter})`);
      state.delete(path);
    }
  }
  return { state: [...state], problems };
}

if (import.meta.main) {
  // `--logger=kafka_producer` or `--logger=aws_kinesis`: the same check against that logger's peer.
  // `--watchdog`: supervisor and worker processes, killed in turn and together.
  const runs = Number(Deno.args.find((a) => !a.startsWith("--")) ?? 50);
  const logger = Deno.args.find((a) => a.startsWith("--logger="))?.slice("--logger=".length);
  const watchdog = Deno.args.includes("--watchdog");
  const { pipelineSink } = await import("../../plugins/logger/pipeline_peers.ts");
  const peer = logger ? await pipelineSink(logger) : undefined;
  const report = await crashCheck(runs, (s) => console.log(s), peer?.sink, { watchdog }).finally(() => peer?.close());
  console.log(`${report.runs} kills, ${report.lines} result lines, ${report.problems.length} problems`);
  for (const p of report.problems) console.log(`  ${p}`);
  Deno.exit(report.problems.length ? 1 : 0);
}
