/**
 * Shared commits for runs that finish close together. Each run stays atomic on its own (see
 * Store.commitRuns); batching only saves database round trips when many queries are due on
 * the same tick. A run waits until every run in flight is waiting too, or at most `batchMs`.
 *
 * @module
 */
import { type RunCommit, type Store, writesNothing } from "../kv/store.ts";

/** What a {@linkcode CommitBatch} needs from the pipeline around it. */
export interface CommitBatchOptions {
  store: Pick<Store, "commitRuns">;
  /** Runs in flight (each may still join the batch). */
  inflight: () => number;
  /** True when a flush has work besides commits (counters to publish). */
  dirty: () => boolean;
  /**
   * After each flush: how many runs it took, whether any of them wrote to the database, and
   * whether any committed lines for the loggers.
   */
  afterFlush: (runs: number, anyCommitted: boolean, anyLines: boolean) => Promise<void>;
  /** Longest a finished run waits for others to share its commit (default 1000 ms). */
  batchMs?: number;
}

/** Queues runs' commits and commits them together. */
export class CommitBatch {
  readonly #options: CommitBatchOptions;
  readonly #pending: { run: RunCommit; resolve: () => void; reject: (err: Error) => void }[] = [];
  #flushing: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: CommitBatchOptions) {
    this.#options = options;
  }

  /**
   * Queues a run's commit; resolves once it is committed (the query stays "running" until
   * then, so its next run reads the state this one stores), rejects with the commit's error.
   */
  add(run: RunCommit): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ run, resolve, reject });
      this.soon();
    });
  }

  /** Flushes now when nothing else in flight can join the batch, else within `batchMs`. */
  soon(): void {
    if (this.#pending.length === 0 && !this.#options.dirty()) return;
    if (this.#pending.length >= this.#options.inflight()) {
      void this.flush();
      return;
    }
    this.#timer ??= setTimeout(() => void this.flush(), this.#options.batchMs ?? 1000);
  }

  /** Commits the queued runs (after any flush under way), then calls `afterFlush` once. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const next = (this.#flushing ?? Promise.resolve()).then(() => this.#flushNow());
    this.#flushing = next;
    void next.finally(() => {
      if (this.#flushing === next) this.#flushing = undefined;
    });
    return next;
  }

  async #flushNow(): Promise<void> {
    const batch = this.#pending.splice(0);
    let anyCommitted = false;
    let anyLines = false;
    if (batch.length) {
      let outcomes: (bigint | undefined | Error)[];
      try {
        outcomes = await this.#options.store.commitRuns(batch.map((b) => b.run));
      } catch (err) {
        outcomes = batch.map(() => err as Error);
      }
      batch.forEach((b, i) => {
        const outcome = outcomes[i];
        if (outcome instanceof Error) b.reject(outcome);
        else b.resolve();
      });
      // A run with nothing to write committed nothing: it says nothing of the database's health.
      anyCommitted = outcomes.some((o, i) => !(o instanceof Error) && !writesNothing(batch[i].run));
      anyLines = outcomes.some((o) => typeof o === "bigint");
    }
    await this.#options.afterFlush(batch.length, anyCommitted, anyLines);
  }
}
