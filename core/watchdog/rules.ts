/**
 * osquery's watchdog rules: limits by `--watchdog_level`, the CPU rule (sustained over-use for
 * LATENCY_LIMIT seconds, checked every 3 s), the memory rule (RSS growth over the first
 * sample), and the respawn back-off. The supervisor process (cmd/daemon) applies them.
 *
 * @module
 */
import { defineFlag, flags } from "../flags/flags.ts";
import { parseStat } from "../host/proc.ts";

defineFlag({
  name: "disable_watchdog",
  type: "bool",
  default: false,
  description: "Run the schedule in this process, without a supervising watchdog.",
});
defineFlag({
  name: "watchdog_level",
  type: "int32",
  default: 0,
  description: "Watchdog limits: 0 normal, 1 restrictive, -1 off.",
});
defineFlag({
  name: "watchdog_memory_limit",
  type: "uint64",
  default: 0,
  description: "Override the worker memory limit in MB above its first sample (0 = use the level).",
});
defineFlag({
  name: "watchdog_utilization_limit",
  type: "uint64",
  default: 0,
  description: "Override the sustained CPU limit in percent of all CPUs (0 = use the level).",
});
defineFlag({
  name: "watchdog_latency_limit",
  type: "uint64",
  default: 0,
  description: "Override the seconds of sustained CPU over-use allowed (0 = use the level).",
});
defineFlag({
  name: "watchdog_delay",
  type: "uint64",
  default: 60,
  description: "Seconds after a worker starts before limits are enforced.",
});
defineFlag({
  name: "watchdog_forced_shutdown_delay",
  type: "uint64",
  default: 4,
  description: "Seconds between asking a worker to stop and killing it.",
});
defineFlag({
  name: "watchdog_max_delay",
  type: "uint64",
  default: 600,
  description: "Longest back-off between worker respawns, in seconds.",
});
defineFlag({
  name: "enable_watchdog_debug",
  type: "bool",
  default: false,
  description: "Log the worker's CPU and memory at every check (with --verbose).",
});

/** The limits in force. */
export interface WatchdogLimits {
  /** MB above the first RSS sample. */
  memoryMb: number;
  /** Percent of all CPUs. */
  utilization: number;
  respawnLimit: number;
  respawnDelay: number;
  /** Seconds of sustained over-use. */
  latency: number;
  /** Seconds between checks. */
  interval: number;
}

const LEVELS: Record<string, WatchdogLimits> = {
  "0": { memoryMb: 200, utilization: 10, respawnLimit: 4, respawnDelay: 5, latency: 12, interval: 3 },
  "1": { memoryMb: 100, utilization: 5, respawnLimit: 4, respawnDelay: 5, latency: 6, interval: 3 },
  "-1": { memoryMb: 10000, utilization: 100, respawnLimit: 1000, respawnDelay: 1, latency: 1000, interval: 3 },
};

/** Limits for `--watchdog_level` with the `--watchdog_*_limit` overrides applied. */
export function watchdogLimits(): WatchdogLimits {
  const base = { ...(LEVELS[String(flags.number("watchdog_level"))] ?? LEVELS["0"]) };
  if (flags.number("watchdog_memory_limit") > 0) base.memoryMb = flags.number("watchdog_memory_limit");
  if (flags.number("watchdog_utilization_limit") > 0) base.utilization = flags.number("watchdog_utilization_limit");
  if (flags.number("watchdog_latency_limit") > 0) base.latency = flags.number("watchdog_latency_limit");
  return base;
}

/** One sample of the worker: total CPU time (ms) and resident memory (bytes). */
export interface WorkerSample {
  cpuMs: number;
  rss: number;
}

/** Per-worker state across checks. */
export class WorkerHealth {
  #firstRss: number | undefined;
  #lastCpu: number | undefined;
  #sustained = 0;

  constructor(readonly limits: WatchdogLimits, readonly cores = navigator.hardwareConcurrency || 1) {}

  /** CPU ms allowed per check interval. */
  get cpuBudgetMs(): number {
    return Math.floor((this.limits.utilization * this.limits.interval * 1000 * this.cores) / 100);
  }

  /**
   * True when `sample` (not applied yet) is within half of a limit: CPU since the last sample
   * over half the budget, or memory grown past half the limit. Only then does the watcher
   * read the worker's threads for its blame (every thread's /proc file each interval was most
   * of its own CPU).
   */
  nearLimits(sample: WorkerSample): boolean {
    const used = this.#lastCpu === undefined ? 0 : sample.cpuMs - this.#lastCpu;
    const footprint = sample.rss - (this.#firstRss ?? sample.rss);
    return used * 2 > this.cpuBudgetMs || footprint * 2 > this.limits.memoryMb * 1024 * 1024;
  }

  /** Applies one sample; returns osquery's stop message when a limit is exceeded. */
  check(sample: WorkerSample): string | undefined {
    if (this.#firstRss === undefined) this.#firstRss = sample.rss;
    const used = this.#lastCpu === undefined ? 0 : sample.cpuMs - this.#lastCpu;
    this.#lastCpu = sample.cpuMs;
    if (used > this.cpuBudgetMs) this.#sustained++;
    else this.#sustained = 0;
    if (this.#sustained > 0 && this.#sustained * this.limits.interval >= this.limits.latency) {
      return `Maximum sustainable CPU utilization limit ${this.cpuBudgetMs}ms exceeded for ${
        this.#sustained * this.limits.interval
      } seconds`;
    }
    const footprint = sample.rss - this.#firstRss;
    if (footprint > this.limits.memoryMb * 1024 * 1024) {
      return `Memory limits exceeded: ${footprint} bytes (limit is ${this.limits.memoryMb}MB)`;
    }
    return undefined;
  }
}

/** Seconds to wait before respawning after `restarts` quick restarts (osquery's back-off). */
export function respawnDelay(limits: WatchdogLimits, restarts: number): number {
  return Math.min(flags.number("watchdog_max_delay"), limits.respawnDelay + 2 ** restarts);
}

/** CPU (ms) and RSS (bytes) of a process from /proc, or undefined when it is gone. */
export function sampleProcess(pid: number): WorkerSample | undefined {
  try {
    const stat = parseStat(Deno.readTextFileSync(`/proc/${pid}/stat`));
    if (stat?.rssPages === undefined) return undefined;
    return { cpuMs: (stat.utime + stat.stime) * 10, rss: stat.rssPages * 4096 };
  } catch {
    return undefined;
  }
}

/** CPU ms per thread of a process (tid → ms). */
export function threadCpu(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const e of Deno.readDirSync(`/proc/${pid}/task`)) {
      try {
        const stat = parseStat(Deno.readTextFileSync(`/proc/${pid}/task/${e.name}/stat`));
        if (stat) out.set(Number(e.name), (stat.utime + stat.stime) * 10);
      } catch {
        // the thread ended
      }
    }
  } catch {
    // the process ended
  }
  return out;
}
