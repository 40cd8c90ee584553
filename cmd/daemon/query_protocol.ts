/**
 * What the daemon's thread and a query thread say to each other (cmd/daemon/query_pool.ts,
 * cmd/daemon/query_worker.ts): a batch of requests with a shared control word, and one reply
 * for the batch. Waking a sleeping thread costs more CPU than a small query (~0.2 ms a message
 * either way, measured on the packs' schedule), so a tick's queries cost two wakes, not two
 * per query. The thread marks each scheduled query as running in its own marks file while it
 * runs it (core/kv/executing.ts), for the watchdog's blame.
 *
 * @module
 */
import type { RunReply } from "../../core/results/reply.ts";
import type { StoredEventsPlan } from "../../core/events/system.ts";

/**
 * Row text a thread may answer and still serve the next query. A larger result has grown the
 * thread (its heap, SQLite's memory for the statement, the row buffers' allocations) by several
 * MiB that stay with it; ending it returns them while the daemon diffs and logs the result, and
 * the next query starts a thread afresh (~0.1 s): a 100,000-row run's worker peak fell ~8 MiB
 * (scripts/bench_daemon.ts --large). A thread stops its batch after such a result.
 */
export const LARGE_RESULT_BYTES = 2 * 1048576;

/**
 * Row text after which the ended thread is replaced a moment later ({@linkcode PRESTART_MS}),
 * so that the next run of such a query does not start a thread in its own time (~0.1 s of a
 * 1,000,000-row run's 1 % diff, traced step by step). Only for results this large: starting a
 * thread while a 100,000-row run's garbage was still in the heap raised that peak by ~10 MiB
 * (scripts/bench_daemon.ts --large --only-100k, db930a9), where 1,000,000 rows have room.
 */
export const PRESTART_BYTES = 16 * 1048576;
/** How long after such a result the replacement starts: once the result's diff and log lines are done. */
export const PRESTART_MS = 1500;

/**
 * A thread the pool ends after a large result or when idle ends itself, its engine closed first
 * (SQLite's memory is not the isolate's: threads terminated from outside left ~0.1-0.2 MiB each
 * behind); one that has not ended this many ms later is terminated.
 */
export const END_GRACE_MS = 10_000;

/** Most queries handed to a thread in one message. */
export const MAX_BATCH = 64;

/** A request to a query thread. */
export interface QueryRequest {
  id: number;
  sql: string;
  /**
   * A differential query's scheduled name: the thread answers with its rows sorted as flat
   * buffers ({@linkcode QueryReply.sorted}, transferred).
   */
  name?: string;
  /** A scheduled query's name: the thread marks it as running while it runs. */
  mark?: string;
  /**
   * For a query reading event tables: the thread reads their events from the store `plan`
   * names (after `cursor`, per table, for a scheduled run) and answers with the cursor it
   * reached (core/events/stored.ts).
   */
  events?: { plan: StoredEventsPlan; cursor?: Record<string, number> };
}

/**
 * Requests handed to a thread at once, run in order. `control` is shared: [0] is the index of
 * the next request to start (the thread moves it on with compare-and-swap before each request;
 * the pool swaps in -1 to take back the requests not started, the thread to stop early), [1]
 * the ms after `postedAt` (Date.now()) at which the current request started.
 */
export interface QueryBatch {
  batch: QueryRequest[];
  control: Int32Array;
  postedAt: number;
  /** Row text after which the thread answers at once and runs no more of the batch. */
  largeBytes: number;
}

/** A thread's answer to a batch: the replies of the requests it ran, in order. */
export interface BatchReply {
  replies: QueryReply[];
}

/** A query thread's answer: the pipeline's RunReply (core/results/reply.ts) with the request's id. */
export interface QueryReply extends RunReply {
  id: number;
}

/** Raised when a query exceeded its time limit or the pool closed. */
export class QueryAbortedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QueryAbortedError";
  }
}
