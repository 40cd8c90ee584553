/**
 * What the result pipeline asks of the threads that run queries, and what one run answers.
 * The daemon's query threads (cmd/daemon/query_pool.ts) give exactly this; a run on the
 * pipeline's own engine is shaped the same.
 *
 * @module
 */
import type { SortedRows } from "./sorted_rows.ts";

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
  /**
   * With a name given: the rows sorted by hash as flat buffers (core/results/sorted_rows.ts),
   * transferred rather than copied; `rows` is then empty.
   */
  sorted?: SortedRows;
  /** Number of rows (also when `rows` is empty because they came `sorted`). */
  count?: number;
  /** With `events.cursor` given: per event table, the newest event id the run has read. */
  eventCursor?: Record<string, number>;
  /** Why the thread could not mark the query as running (a full disk); it ran all the same. */
  markError?: string;
}

/** How one query is to run on a query thread. */
export interface ThreadRunOptions {
  /** Time limit; past it the thread is ended and the reply fails. */
  timeoutMs?: number;
  /**
   * A scheduled query's name: the thread marks it as running in its marks file while it runs
   * (the watchdog's blame after a crash, core/kv/executing.ts).
   */
  mark?: string;
  /** A differential query's scheduled name: the thread answers with its rows `sorted`. */
  name?: string;
  /**
   * The query reads event tables: the thread reads their stored events, after `cursor` (per
   * table, the last event id logged) for a scheduled run, and answers with `eventCursor`.
   */
  events?: { cursor?: Record<string, number> };
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
