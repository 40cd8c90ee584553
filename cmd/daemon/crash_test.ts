import { assertEquals } from "../../testing/assert.ts";
import { crashCheck } from "./crash_check.ts";

// About 20 kills in all keep CI's cost bounded; `deno run -A cmd/daemon/crash_check.ts 50
// [--watchdog]` runs a longer check.

Deno.test({
  name: "daemon: killed with SIGKILL at 10 random moments, every file change is still logged exactly once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const report = await crashCheck(10);
    assertEquals(report.problems, []);
  },
});

Deno.test({
  name:
    "daemon with the watchdog: worker, supervisor and both killed in turn (10 kills), every change logged exactly once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const report = await crashCheck(10, undefined, undefined, { watchdog: true });
    assertEquals(report.problems, []);
  },
});
