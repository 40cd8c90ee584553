/**
 * What the result pipeline asks of the threads that run queries, and what one run answers.
 * The daemon's query threads (cmd/daemon/query_pool.ts) give exactly this; a run on the
 * pipeline's own engine is shaped the same.
 *
 * @module
 */
import type { DiffResult } from "./diff.ts";

/** One run of a query, answered. */
export interface RunReply {
  ok: boolean;
  error?: string;
  /** Canonical rows (core/results/diff.ts). */
  rows: string[];
  /** Bytes of row text (osquery_schedule.output_size). */
  size: number;
  wallMs: number;
  userMs: number;
  systemMs: number;
  /** Process RSS after the query, in bytes (0 when run on the pipeline's own thread). */
  memory: number;
  /** With a name given: the id the thread keeps these rows under. */
  rowsId?: string;
  /**
   * With `previous` known to the thread: the diff against those rows; `rows` is then empty and
   * `rowsText` holds the rows joined by newlines when the diff is not empty.
   */
  diff?: DiffResult;
  rowsText?: string;
  /** Number of rows (also when `rows` is empty because a diff was sent instead). */
  count?: number;
}

/** How one query is to run on a query thread. */
export interface ThreadRunOptions {
  /** Time limit; past it the thread is ended and the reply fails. */
  timeoutMs?: number;
  /** Called with the thread's id just before the query starts there. */
  onStart?: (tid: number) => Promise<void>;
  /** The scheduled query's name: the thread keeps this run's rows to diff the next run. */
  name?: string;
  /** The id of the committed rows, when the thread's kept rows equal them. */
  previous?: string;
}

/** Threads that run queries off the pipeline's thread. */
export interface QueryThreads {
  run(sql: string, options?: ThreadRunOptions): Promise<RunReply>;
}

/** A failed reply, for a run that did not get as far as rows. */
export function failedReply(error: string, wallMs: number): RunReply {
  return { ok: false, error, rows: [], size: 0, wallMs, userMs: 0, systemMs: 0, memory: 0 };
}

/** A reply for rows canonicalized on the pipeline's own thread (no per-thread CPU figures). */
export function localReply(rows: string[], size: number, wallMs: number): RunReply {
  return { ok: true, rows, size, wallMs, userMs: 0, systemMs: 0, memory: 0 };
}
