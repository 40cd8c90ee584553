import { assert, assertMatch } from "../../testing/assert.ts";
import { TestDaemon } from "./testing.ts";

const steady = { query: "select strftime('%s', 'now') as t", interval: 1 };

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
    await d.waitFor("the watchdog to stop the worker", () => rule.test(d.stderr), 60);
    await d.waitFor("the denylisting", () => /Denylisting scheduled query hog/.test(d.text("osqueryd.WARNING")), 30);
    const before = d.lines().filter((l) => l.name === "steady").length;
    await d.waitFor(
      "steady to keep its schedule",
      () => d.lines().filter((l) => l.name === "steady").length > before + 2,
    );
    const warnings = d.text("osqueryd.WARNING");
    assertMatch(warnings, /Scheduled query may have failed: hog/);
    assertMatch(warnings, /Scheduled query hog was running when the watchdog stopped the worker/);
    assertMatch(warnings, /Skipping denylisted scheduled query: hog/);
    assert(!/Denylisting scheduled query steady/.test(warnings), warnings);
    await d.waitFor(
      "osquery_schedule to show the denylisting",
      () => d.lines().some((l) => l.name === "denied" && (l.columns as Record<string, string>).name === "hog"),
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
      ["--watchdog_delay=0", "--watchdog_latency_limit=3", "--watchdog_utilization_limit=20"],
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
      "with recursive c(x) as (select 1 union all select x + 1 from c) select length(group_concat(x)) from c",
      ["--watchdog_delay=4", "--watchdog_memory_limit=60", "--watchdog_utilization_limit=100"],
      /osqueryd worker \(\d+\) stopping: Memory limits exceeded: \d+ bytes \(limit is 60MB\)/,
    );
  },
});
