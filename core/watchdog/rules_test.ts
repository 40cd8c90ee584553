import { assertEquals, assertMatch } from "../../testing/assert.ts";
import { flags } from "../flags/flags.ts";
import { respawnDelay, sampleProcess, watchdogLimits, WorkerHealth } from "./rules.ts";

Deno.test("watchdog: level limits and overrides follow osquery", () => {
  assertEquals(watchdogLimits().memoryMb, 200);
  flags.set("watchdog_level", "1");
  assertEquals([watchdogLimits().memoryMb, watchdogLimits().utilization, watchdogLimits().latency], [100, 5, 6]);
  flags.set("watchdog_level", "-1");
  assertEquals(watchdogLimits().utilization, 100);
  flags.set("watchdog_memory_limit", "50");
  assertEquals(watchdogLimits().memoryMb, 50);
  flags.reset();
});

Deno.test("watchdog: sustained CPU over the budget for the latency limit stops the worker; a quiet check resets", () => {
  const h = new WorkerHealth(watchdogLimits(), 4);
  assertEquals(h.cpuBudgetMs, 1200);
  let cpu = 0;
  const step = (ms: number) => h.check({ cpuMs: cpu += ms, rss: 100 });
  step(0);
  assertEquals([step(2000), step(2000), step(2000)], [undefined, undefined, undefined]);
  assertEquals(step(100), undefined);
  step(2000);
  step(2000);
  step(2000);
  assertEquals(step(2000), "Maximum sustainable CPU utilization limit 1200ms exceeded for 12 seconds");
});

Deno.test("watchdog: memory growth over the first sample beyond the limit stops the worker", () => {
  const h = new WorkerHealth(watchdogLimits(), 4);
  h.check({ cpuMs: 0, rss: 50 << 20 });
  assertEquals(h.check({ cpuMs: 0, rss: 240 << 20 }), undefined);
  assertMatch(h.check({ cpuMs: 0, rss: 260 << 20 })!, /^Memory limits exceeded: 220200960 bytes \(limit is 200MB\)$/);
});

Deno.test("watchdog: a sample is near the limits past half the CPU budget or half the memory limit", () => {
  const h = new WorkerHealth(watchdogLimits(), 4);
  assertEquals(h.nearLimits({ cpuMs: 0, rss: 50 << 20 }), false, "the first sample has nothing to compare");
  h.check({ cpuMs: 0, rss: 50 << 20 });
  // Budget 1200 ms an interval, 200 MB over the first sample.
  assertEquals(h.nearLimits({ cpuMs: 600, rss: 50 << 20 }), false);
  assertEquals(h.nearLimits({ cpuMs: 601, rss: 50 << 20 }), true);
  assertEquals(h.nearLimits({ cpuMs: 10, rss: 151 << 20 }), true);
  h.check({ cpuMs: 601, rss: 50 << 20 });
  assertEquals(h.nearLimits({ cpuMs: 700, rss: 149 << 20 }), false, "CPU counts since the last sample applied");
});

Deno.test("watchdog: respawn back-off is delay + 2^restarts, capped by --watchdog_max_delay", () => {
  const l = watchdogLimits();
  assertEquals([respawnDelay(l, 1), respawnDelay(l, 3), respawnDelay(l, 20)], [7, 13, 600]);
});

Deno.test("watchdog: this process can be sampled from /proc", () => {
  const s = sampleProcess(Deno.pid)!;
  assertEquals(s.rss > 0 && s.cpuMs >= 0, true);
});
