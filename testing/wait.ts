/**
 * Waiting on conditions in tests instead of sleeping: a fixed sleep is too short on a loaded
 * machine and too long on an idle one; polling with a generous deadline is neither.
 *
 * @module
 */

/** A condition did not hold before its deadline. */
export class WaitTimeoutError extends Error {
  constructor(what: string, seconds: number, last: unknown) {
    super(
      `Timed out after ${seconds} s waiting for ${what}` +
        (last instanceof Error
          ? ` (last error: ${last.message})`
          : last === undefined
          ? ""
          : ` (last: ${String(last)})`),
    );
    this.name = "WaitTimeoutError";
  }
}

/** Options for {@linkcode waitFor}. */
export interface WaitOptions {
  /** Deadline in seconds (default 60: generous for a loaded two-core machine). */
  seconds?: number;
  /** Pause between probes in milliseconds (default 25). */
  intervalMs?: number;
}

/**
 * Calls `probe` until it returns a truthy value and returns that value; a probe that throws counts
 * as not yet. Throws {@linkcode WaitTimeoutError} naming `what` after the deadline.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<NonNullable<T>> {
  const seconds = options.seconds ?? 60;
  const end = Date.now() + seconds * 1000;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new WaitTimeoutError(what, seconds, last);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 25));
  }
}
