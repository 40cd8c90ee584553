/**
 * The periodic status send of osquery's buffered loggers (`tls`, `aws_kinesis`, `aws_firehose`):
 * a send every period, and after failures a longer wait, growing as period × failures², until a
 * send succeeds. Timers are unref'd: a pending send does not keep the process alive.
 *
 * @module
 */

/** Options of {@linkcode PeriodicSend}. */
export interface PeriodicSendOptions {
  /** One send; a rejection counts as a failure. */
  send(): Promise<void>;
  /** Milliseconds between sends (read at each use: a config reload may change it). */
  periodMs(): number;
  /** Milliseconds to wait after `failures` failures in a row (`periodMs` is the period). */
  retryMs(periodMs: number, failures: number): number;
}

/** osquery's back-off: period × failures², at most `maxMs`. */
export function squaredBackoff(periodMs: number, failures: number, maxMs: number): number {
  return Math.min(periodMs * failures * failures, maxMs);
}

/** Runs `send` every period until closed, backing off after failures. */
export class PeriodicSend {
  readonly #o: PeriodicSendOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #closed = false;

  constructor(options: PeriodicSendOptions) {
    this.#o = options;
  }

  /** Whether {@linkcode close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Schedules the first send, one period from now. */
  start(): void {
    this.#schedule(this.#o.periodMs());
  }

  /** Stops the sends (one under way completes; none follows). */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    const timer = setTimeout(() => void this.#tick(), ms);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    let wait = this.#o.periodMs();
    try {
      await this.#o.send();
      this.#failures = 0;
    } catch {
      this.#failures++;
      wait = this.#o.retryMs(wait, this.#failures);
    }
    this.#schedule(wait);
  }
}
