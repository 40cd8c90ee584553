/**
 * The daemon's process roles: the top process (pidfile, daemonize, signals) runs a supervisor
 * that starts the worker as a child process (`OSQ_DAEMON_ROLE=worker`) and enforces the
 * watchdog limits; with `--disable_watchdog` the schedule runs in the top process itself.
 *
 * The supervisor lives as long as the daemon and only watches: it loads the KV store and the
 * loggers only when it needs them (one process without the watchdog; the syslog line of a
 * worker it stops), and its children start without Deno's update check.
 *
 * @module
 */
import "../../core/watchdog/rules.ts";
import { flags } from "../../core/flags/flags.ts";
import {
  respawnDelay,
  sampleProcess,
  threadCpu,
  watchdogLimits,
  WorkerHealth,
  type WorkerSample,
} from "../../core/watchdog/rules.ts";
import { writableDir } from "./paths.ts";
import { selfCommand } from "../self.ts";
import type { WatchdogBlame } from "../../core/results/denylist.ts";
import { EXIT_CATASTROPHIC } from "./exit_status.ts";

const encoder = new TextEncoder();
const say = (text: string) => Deno.stderr.writeSync(encoder.encode(text + "\n"));

/**
 * V8 tuned for the daemon's memory in its processes: young generations of at most 2 MiB per
 * semi-space (V8's default grows them to tens of MiB) and an old generation that grows by 30 %
 * at a time. A scheduled 100,000-row query's peak RSS (scripts/bench_daemon.ts --large): worker
 * 133 MiB with V8's defaults, 105 with these, 101 with `--optimize-for-size`, which also costs
 * the queries' own CPU ~+20 % where these cost ~+5 % (the packs in-process, A/B in turn), and
 * during a burst of file events keeps V8's helper threads busy with its memory-reducing
 * collections: ~110 µs of the daemon's CPU an event with it against ~85 with these (100,000
 * events, same write rate, in turn).
 *
 * Without V8's memory reducer: it collects again and again whenever a process goes quiet after
 * allocating, which a daemon does after every scheduled round (the packs every 10 s: daemon
 * 278-311 against 315-365 ms of CPU a round with it, five 60 s pairs in turn). What it did for
 * memory matters after large results only, so `--expose-gc` lets the pipeline collect once after
 * a large run instead (core/runtime/gc.ts): the 100,000-row query's worker peaked at 110 MiB
 * without either and 105 with the collection, as with the reducer.
 *
 * The osq launcher and the one-file loader set them for the process they start; this puts them
 * in a child's environment when the daemon was started some other way (`deno run main.ts daemon`).
 */
export const DAEMON_V8_FLAGS = "--max-semi-space-size=2,--heap-growing-percent=30,--no-memory-reducer,--expose-gc";

/** `DENO_V8_FLAGS` for a daemon process: {@linkcode DAEMON_V8_FLAGS} first, then the user's own (which win). */
export function daemonV8Flags(own: string | undefined): string {
  if (!own) return DAEMON_V8_FLAGS;
  return own === DAEMON_V8_FLAGS || own.startsWith(`${DAEMON_V8_FLAGS},`) ? own : `${DAEMON_V8_FLAGS},${own}`;
}

/**
 * glibc malloc arenas for the worker: by default each thread that allocates (query threads,
 * Deno KV's, the runtime's) gets an arena of its own, and memory freed in one (a finished query
 * thread's) is not reused by the others nor returned; two arenas keep what one run freed for
 * the next. A 100,000-row query every 15 s: worker peak ~105-111 -> ~100-104 MiB
 * (scripts/bench_daemon.ts --large). A user's own MALLOC_ARENA_MAX wins.
 */
export function daemonArenaMax(own: string | undefined): string {
  return own || "2";
}

/** The command that runs this program's daemon face again (source, one-file or compiled: cmd/self.ts). */
function daemonCommand(args: string[], options: Omit<Deno.CommandOptions, "args">): Deno.Command {
  const self = selfCommand("daemon", args);
  // A daemon does not ask whether a newer Deno exists (the check's network and TLS code would
  // stay mapped in every process: ~1-3 MiB each); the launcher sets the same for the top process.
  const env = {
    ...options.env,
    DENO_V8_FLAGS: daemonV8Flags(Deno.env.get("DENO_V8_FLAGS")),
    DENO_NO_UPDATE_CHECK: "1",
    MALLOC_ARENA_MAX: daemonArenaMax(Deno.env.get("MALLOC_ARENA_MAX")),
  };
  return new Deno.Command(self.program, { ...options, env, args: self.args });
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Writes the pidfile, refusing when a live daemon holds it (unless --force stops that one). */
async function takePidfile(): Promise<string | undefined> {
  if (flags.bool("ephemeral")) return undefined;
  let path = flags.string("pidfile");
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  const usable = writableDir(dir, "run");
  if (usable !== dir) path = `${usable}/osqueryd.pidfile`;
  try {
    const old = Number(Deno.readTextFileSync(path).trim());
    if (old > 0 && old !== Deno.pid && alive(old)) {
      if (!flags.bool("force")) {
        throw new DaemonError(
          `osqueryd (${old}) is already running (pidfile ${path}); stop it or start with --force.`,
        );
      }
      say(`osq daemon: stopping the running daemon (${old}) because of --force`);
      Deno.kill(old, "SIGTERM");
      for (let i = 0; i < 100 && alive(old); i++) await new Promise((r) => setTimeout(r, 100));
      if (alive(old)) Deno.kill(old, "SIGKILL");
    }
  } catch (err) {
    if (err instanceof DaemonError) throw err;
    // No pidfile yet.
  }
  Deno.writeTextFileSync(path, `${Deno.pid}\n`, { mode: 0o644 });
  return path;
}

/** Raised for a start-up refusal the user must act on. */
export class DaemonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DaemonError";
  }
}

/** Runs the daemon with its original `args` (for re-executing); resolves to the exit status. */
export async function runDaemon(args: string[]): Promise<number> {
  const role = Deno.env.get("OSQ_DAEMON_ROLE");
  if (role === "worker" || role === "single") {
    const { runWorker } = await import("./worker_main.ts");
    return await runWorker();
  }
  if (flags.bool("daemonize") && !Deno.env.get("OSQ_DAEMONIZED")) {
    const child = daemonCommand(args, {
      env: { OSQ_DAEMONIZED: "1" },
      stdin: "null",
      stdout: "null",
      stderr: "null",
      detached: true,
    }).spawn();
    child.unref();
    return 0;
  }
  let pidfile: string | undefined;
  try {
    pidfile = await takePidfile();
  } catch (err) {
    if (err instanceof DaemonError) {
      say(`osq daemon: ${err.message}`);
      return 1;
    }
    throw err;
  }
  try {
    if (flags.bool("disable_watchdog")) {
      if ((await import("../../core/kv/store.ts")).kvAvailable()) {
        const { runWorker } = await import("./worker_main.ts");
        return await runWorker();
      }
      return await superviseOnce(args, "single");
    }
    return await supervise(args);
  } finally {
    if (pidfile) {
      try {
        Deno.removeSync(pidfile);
      } catch {
        // already gone
      }
    }
  }
}

function spawnWorker(args: string[], role: string, blame?: WatchdogBlame): Deno.ChildProcess {
  return daemonCommand(args, {
    env: {
      OSQ_DAEMON_ROLE: role,
      OSQ_WATCHER_PID: String(Deno.pid),
      ...(blame ? { OSQ_WATCHDOG_BLAME: JSON.stringify(blame) } : {}),
    },
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
}

/** Forwards stop/reload signals to `child` while it runs. */
function forwardSignals(child: () => Deno.ChildProcess | undefined, onStop: () => void): () => void {
  const term = () => {
    onStop();
    try {
      child()?.kill("SIGTERM");
    } catch {
      // it already exited
    }
  };
  const hup = () => {
    try {
      child()?.kill("SIGHUP");
    } catch {
      // it already exited
    }
  };
  Deno.addSignalListener("SIGTERM", term);
  Deno.addSignalListener("SIGINT", term);
  Deno.addSignalListener("SIGHUP", hup);
  return () => {
    Deno.removeSignalListener("SIGTERM", term);
    Deno.removeSignalListener("SIGINT", term);
    Deno.removeSignalListener("SIGHUP", hup);
  };
}

/** Runs one worker without limits (no watchdog, but KV needs a fresh Deno). */
async function superviseOnce(args: string[], role: string): Promise<number> {
  const child = spawnWorker(args, role);
  const release = forwardSignals(() => child, () => {});
  try {
    const status = await child.status;
    return status.code;
  } finally {
    release();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** osquery's watcher: start the worker, check it every interval, restart it with back-off. */
async function supervise(args: string[]): Promise<number> {
  const limits = watchdogLimits();
  const enforce = flags.number("watchdog_level") !== -1;
  let stopping = false;
  let child: Deno.ChildProcess | undefined;
  let restarts = 0;
  let lastStart = 0;
  let blame: WatchdogBlame | undefined;
  let watcherRss: number | undefined;
  const release = forwardSignals(() => child, () => (stopping = true));
  try {
    while (!stopping) {
      const now = Date.now() / 1000;
      if (lastStart > now - limits.respawnLimit) {
        restarts++;
        say(`W osqueryd worker respawning too quickly: ${restarts} times`);
        if (restarts >= limits.respawnLimit) {
          say("E osqueryd: too many worker restarts; exiting");
          return 1;
        }
        await sleep(respawnDelay(limits, restarts) * 1000);
        if (stopping) break;
      }
      lastStart = Date.now() / 1000;
      const started = Date.now();
      child = spawnWorker(args, "worker", blame);
      blame = undefined;
      const health = new WorkerHealth(limits);
      watcherRss ??= sampleProcess(Deno.pid)?.rss ?? 0;
      let threads = threadCpu(child.pid);
      let exited: Deno.CommandStatus | undefined;
      const done = child.status.then((s) => (exited = s));
      while (!exited) {
        await Promise.race([done, sleep(limits.interval * 1000)]);
        if (exited || stopping) break;
        // The watcher holds itself to the same memory limit (osquery exits catastrophically).
        const own = sampleProcess(Deno.pid);
        if (enforce && own && watcherRss && own.rss - watcherRss > limits.memoryMb * 1048576) {
          say(`E osqueryd watcher has become unhealthy: memory grew ${own.rss - watcherRss} bytes; exiting`);
          child.kill("SIGTERM");
          await Promise.race([done, sleep(flags.number("watchdog_forced_shutdown_delay") * 1000)]);
          return EXIT_CATASTROPHIC;
        }
        const sample: WorkerSample | undefined = sampleProcess(child.pid);
        if (!sample) continue;
        // The threads are read near a limit only (a limit is never passed without it): the blame
        // names the thread that used the most CPU since the reading before (once near, the
        // interval before; else since the start).
        let hot = { tid: 0, ms: -1 };
        const nowThreads = health.nearLimits(sample) ? threadCpu(child.pid) : undefined;
        if (nowThreads) {
          for (const [tid, ms] of nowThreads) {
            const delta = ms - (threads.get(tid) ?? 0);
            if (delta > hot.ms && tid !== child.pid) hot = { tid, ms: delta };
          }
          threads = nowThreads;
        }
        if (flags.bool("enable_watchdog_debug") && flags.bool("verbose")) {
          say(`I pid: ${child.pid}, cpu: ${sample.cpuMs}ms, memory: ${Math.round(sample.rss / 1048576)} MB`);
        }
        // Limits apply after --watchdog_delay; the first sample after it is the memory baseline.
        if (!enforce || Date.now() - started < flags.number("watchdog_delay") * 1000) continue;
        const violation = health.check(sample);
        if (!violation) continue;
        say(`W osqueryd worker (${child.pid}) stopping: ${violation}`);
        const { Severity, systemLog } = await import("../../plugins/logger/logger.ts");
        systemLog(Severity.WARNING, `osqueryd worker (${child.pid}) stopping: ${violation}`);
        blame = { tid: hot.tid, reason: violation, threadCpuMs: nowThreads?.get(hot.tid) ?? 0, rss: sample.rss };
        child.kill("SIGTERM");
        const grace = flags.number("watchdog_forced_shutdown_delay") * 1000;
        await Promise.race([done, sleep(grace)]);
        if (!exited) {
          try {
            child.kill("SIGKILL");
          } catch {
            // exited meanwhile
          }
        }
        await done;
      }
      if (stopping) {
        const alarm = Math.max(10, flags.number("alarm_timeout")) * 1000;
        await Promise.race([done, sleep(alarm)]);
        if (!exited) {
          try {
            child.kill("SIGKILL");
          } catch {
            // exited meanwhile
          }
          await done;
        }
        return 0;
      }
      const status = exited!;
      if (!blame && (status.code === 0 || status.code === EXIT_CATASTROPHIC)) return status.code;
      if (!blame) say(`W osqueryd worker (${child.pid}) exited unexpectedly (status ${status.code}); restarting`);
    }
    return 0;
  } finally {
    release();
  }
}
