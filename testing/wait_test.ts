import { assertEquals, assertRejects } from "./assert.ts";
import { waitFor, WaitTimeoutError } from "./wait.ts";

Deno.test("waitFor: returns the first truthy value, counting throws as not yet", async () => {
  let calls = 0;
  const value = await waitFor("the third call", () => {
    calls++;
    if (calls === 1) throw new Error("not ready");
    return calls === 3 ? "ready" : undefined;
  }, { intervalMs: 1 });
  assertEquals([value, calls], ["ready", 3]);
});

Deno.test("waitFor: a condition that never holds fails with what was awaited and the last error", async () => {
  await assertRejects(
    () => waitFor("the impossible", () => Promise.reject(new Error("still broken")), { seconds: 0.05, intervalMs: 5 }),
    WaitTimeoutError,
    "Timed out after 0.05 s waiting for the impossible (last error: still broken)",
  );
});
