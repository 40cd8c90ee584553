import { assertEquals } from "../../testing/assert.ts";
import { crashCheck } from "./crash_check.ts";

Deno.test({
  name: "daemon: killed with SIGKILL at 20 random moments, every file change is still logged exactly once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const report = await crashCheck(20);
    assertEquals(report.problems, []);
  },
});
