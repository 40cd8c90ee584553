import { assert } from "../../testing/assert.ts";
import { procThreadUsage, residentBytes, threadUsage } from "./thread_usage.ts";

if (Deno.build.os !== "linux") console.warn("thread_usage_test: thread CPU times are read on Linux only");

function burn(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  if (x < 0) throw new Error("unreachable");
}

Deno.test("thread usage: the calling thread's CPU time grows with the work it does, and agrees with /proc", {
  ignore: Deno.build.os !== "linux",
}, () => {
  const before = threadUsage();
  const procBefore = procThreadUsage();
  burn(300);
  const after = threadUsage();
  const procAfter = procThreadUsage();
  const used = after.userMs + after.systemMs - before.userMs - before.systemMs;
  const procUsed = procAfter.userMs + procAfter.systemMs - procBefore.userMs - procBefore.systemMs;
  // On a loaded machine the thread may get less than the wall time, never more.
  assert(used > 0 && used <= 400, `getrusage counted ${used} ms for 300 ms of work`);
  // /proc counts in 10 ms ticks: the two agree within a few ticks.
  assert(Math.abs(used - procUsed) <= 40, `getrusage ${used} ms against /proc ${procUsed} ms`);
});

Deno.test("thread usage: another thread's work does not count for the calling thread", {
  ignore: Deno.build.os !== "linux",
}, async () => {
  const code = `const end = performance.now() + 300; let x = 0;
    while (performance.now() < end) x += Math.sqrt(x + 1);
    self.postMessage(x);`;
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  const before = threadUsage();
  await new Promise((resolve) => (worker.onmessage = resolve));
  const after = threadUsage();
  worker.terminate();
  URL.revokeObjectURL(url);
  const used = after.userMs + after.systemMs - before.userMs - before.systemMs;
  // The worker burned ~300 ms of CPU; this thread only waited (and started it).
  assert(used < 150, `the waiting thread was charged ${used} ms`);
});

Deno.test("resident bytes: the process's resident size as /proc gives it, read again on each call", {
  ignore: Deno.build.os !== "linux",
}, () => {
  const proc = () => Number(Deno.readTextFileSync("/proc/self/statm").split(" ")[1]) * 4096;
  const before = residentBytes();
  assert(Math.abs(before - proc()) < 8 * 1048576, `${before} against /proc ${proc()}`);
  const held = new Uint8Array(64 * 1048576).fill(1);
  const after = residentBytes();
  assert(after - before > 48 * 1048576, `64 MiB touched, resident grew ${after - before} bytes`);
  assert(held[held.length - 1] === 1);
});
