/**
 * Ships the outbox: committed log lines go to every logger, one shipper at a time (a request
 * while shipping runs it again). A failure undoes a write whose shipped mark was not committed
 * (so no line is written twice), is reported, and is retried with back-off even if no run
 * commits meanwhile.
 *
 * @module
 */
import { drainOutbox } from "../../plugins/logger/outbox.ts";
import type { Logger } from "../../plugins/logger/logger.ts";
import type { Store } from "../../core/kv/store.ts";
import { Severity, type StatusSink } from "../../core/results/status.ts";
import { isStorageError, type StorageHealth } from "../../core/results/storage_health.ts";

/** The daemon's one outbox shipper. */
export class Shipper {
  readonly #store: Store;
  readonly #loggers: Logger[];
  readonly #health: StorageHealth;
  readonly #logs: () => string;
  readonly #status: StatusSink;
  #shipping: Promise<void> | undefined;
  #again = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  #stopped = false;

  /** `logs` names the log directory for status lines. */
  constructor(store: Store, loggers: Logger[], health: StorageHealth, logs: () => string, status: StatusSink) {
    this.#store = store;
    this.#loggers = loggers;
    this.#health = health;
    this.#logs = logs;
    this.#status = status;
  }

  /** Ships pending outbox entries (one shipper at a time; a request during a run reruns it). */
  ship(): Promise<void> {
    if (this.#shipping) {
      this.#again = true;
      return this.#shipping;
    }
    this.#shipping = (async () => {
      do {
        this.#again = false;
        try {
          // Only lines actually written show the logs take writes again (an empty outbox says nothing).
          if (await drainOutbox(this.#store, this.#loggers) > 0) this.#health.ok("logs", this.#logs());
          this.#failures = 0;
        } catch (err) {
          await this.#failed(err);
          break;
        }
      } while (this.#again);
    })().finally(() => (this.#shipping = undefined));
    return this.#shipping;
  }

  /** Stopping: failures from now on schedule no retry (a last {@linkcode Shipper.ship} still runs). */
  stopRetrying(): void {
    this.#stopped = true;
  }

  /** Drops a scheduled retry. */
  cancelRetry(): void {
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  async #failed(err: unknown): Promise<void> {
    for (const l of this.#loggers) {
      try {
        await l.recover();
      } catch {
        // The intent stays: the next start (or attempt) undoes the write.
      }
    }
    if (isStorageError(err)) this.#health.failed("logs", this.#logs(), err);
    else this.#status(Severity.ERROR, `Error logging results: ${(err as Error).message}`);
    if (this.#stopped || this.#retry !== undefined) return;
    const delay = Math.min(60_000, 1000 * 2 ** Math.min(6, this.#failures++));
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.ship();
    }, delay);
  }
}
