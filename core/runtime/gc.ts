/**
 * A full garbage collection on request, where the process exposes one (`--expose-gc`, which the
 * daemon's V8 flags set: cmd/daemon/run.ts's DAEMON_V8_FLAGS).
 *
 * The daemon runs without V8's memory reducer, which collects again and again whenever a process
 * goes quiet after allocating: a scheduled round's queries run, then the daemon waits, so the
 * reducer marked the whole heap after nearly every round (the packs every 10 s: ~50 ms of CPU a
 * round, in turn with and without it). What it did for memory matters after a large result only,
 * whose garbage would otherwise stay in the old generation until the next large run adds its own:
 * the daemon collects once then, by calling this.
 *
 * @example
 * ```ts
 * import { collectGarbage } from "./gc.ts";
 * // false unless the process runs with --expose-gc
 * const collected: boolean = collectGarbage();
 * ```
 *
 * @module
 */

/** Runs a full collection when the process exposes `gc`; true when it ran. */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== "function") return false;
  gc();
  return true;
}
