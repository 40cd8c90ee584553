import { assert, assertMatch } from "../../testing/assert.ts";
import { TestDaemon } from "../../testing/test_daemon.ts";

const steady = { query: "select strftime('%s', 'now') as t", interval: 1 };

/**
 * Limits chosen to hold on a loaded machine:
 * - --watchdog_delay=10: the limits apply only once the worker has started (a worker that starts
 *   slowly would otherwise be measured, and stopped, while it loads, before the hog runs).
 * - The CPU budget: about 120 ms of CPU per 3 s check (the idle worker uses 20-80 ms), so the hog
 *   exceeds it even with a twentieth of a core; osquery's percent is of all CPUs, whole numbers.
 * - Two checks in a row over budget (6 s), so one busy moment of the idle worker is not enough.
 */
const cores = navigator.hardwareConcurrency || 1;
const cpuLimitPercent = Math.max(1, Math.round(4 / cores));

async function denylistCase(hog: string, flags: string[], rule: RegExp) {
  const d = new TestDaemon();
  try {
    d.writeConfig({
      schedule: {
        hog: { query: hog, interval: 1 },
        steady,
        denied: { query: "select name from osquery_schedule where denylisted = 1", interval: 1 },
      },
    });
    d.start(flags);
    // Deadlines are generous: on a loaded machine the worker starts slowly and the hog gets a
    // small share of a core, so each step may take many times its unloaded duration.
    await d.waitFor("the watchdog to stop the worker", () => rule.test(d.stderr), 180);
    await d.waitFor("the denylisting", () => /Denylisting scheduled query hog/.test(d.text("osqueryd.WARNING")), 60);
    const before = d.lines().filter((l) => l.name === "steady").length;
    await d.waitFor(
      "steady to keep its schedule",
      () => d.lines().filter((l) => l.name === "steady").length > before + 2,
      90,
    );
    const warnings = d.text("osqueryd.WARNING");
    const context = `${warnings}\nstderr:\n${d.stderr}`;
    assertMatch(warnings, /Scheduled query may have failed: hog/, context);
    assertMatch(warnings, /Scheduled query hog was running when the watchdog stopped the worker/, context);
    assertMatch(warnings, /Skipping denylisted scheduled query: hog/, context);
    assert(!/Denylisting scheduled query steady/.test(warnings), context);
    await d.waitFor(
      "osquery_schedule to show the denylisting",
      () => d.lines().some((l) => l.name === "denied" && (l.columns as Record<string, string>).name === "hog"),
      90,
    );
    await d.stop();
  } finally {
    await d.kill();
    d.cleanup();
  }
}

Deno.test({
  name: "watchdog: a CPU-burning recursive CTE stops the worker and is denylisted; the other query keeps schedule",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await denylistCase(
      "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c",
      ["--watchdog_delay=10", "--watchdog_latency_limit=6", `--watchdog_utilization_limit=${cpuLimitPercent}`],
      /osqueryd worker \(\d+\) stopping: Maximum sustainable CPU utilization limit \d+ms exceeded for \d+ seconds/,
    );
  },
});

Deno.test({
  name: "watchdog: a memory-growing query stops the worker and is denylisted; the other query keeps schedule",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await denylistCase(
      "with recursive c(x) as (select 1 union all select x + 1 from c) " +
        "select length(group_concat(case when x % 10 = 0 then x end)) from c",
      // The memory baseline is the first sample after the delay, so the hog must still be growing
      // then: its string stops at the engine's 256 MiB value cap (SQLite frees it and the query
      // runs on, flat). Every tenth row grows it by ~2 MB/s here, so the cap comes after ~2 min and
      // a machine 6x faster still passes the baseline plus 30 MB first; taking every row (~15 MB/s,
      // the cap in ~17 s) can lose that race: the likely cause of a CI run where nothing tripped.
      ["--watchdog_delay=10", "--watchdog_memory_limit=30", "--watchdog_utilization_limit=100"],
      /osqueryd worker \(\d+\) stopping: Memory limits exceeded: \d+ bytes \(limit is 30MB\)/,
    );
  },
});
