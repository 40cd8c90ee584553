/**
 * A query thread: its own Engine over every table, running the scheduled queries it is handed
 * (a batch at a time, in order) and answering with canonical rows (see core/results/diff.ts),
 * the time each took and its thread's CPU, all in one message. A differential query's rows are
 * encoded as they come and sorted into flat buffers (core/results/sorted_rows.ts) that are
 * transferred to the daemon's thread, not copied: no array of row strings builds up here, and
 * nothing of a run stays here after it. While a scheduled query runs, its mark is in this
 * thread's marks file (core/kv/executing.ts), for the watchdog's blame.
 *
 * @module
 */
/// <reference lib="deno.worker" />
// Tables by schema; a query loads the modules of the tables it (or a view) may name.
import "../../tables/lazy_catalogue.ts";
import { Engine } from "../../core/engine.ts";
import { runCanonical, runCanonicalInto } from "../../core/results/canonical_rows.ts";
import { SortedRowsBuilder, transferList } from "../../core/results/sorted_rows.ts";
import { adoptScheduleBuffer } from "../../core/results/scheduler.ts";
import { applyTableSections, applyViews, type TableSections } from "./config_hooks.ts";
import { type BatchReply, type QueryBatch, type QueryReply, type QueryRequest } from "./query_protocol.ts";
import { applyTableSwitches, type TableSwitches } from "../../core/flags/table_switches.ts";
import { closeStoredEvents, loadStoredEventsFor } from "../../core/events/stored.ts";
import { residentBytes, threadUsage } from "../../core/host/thread_usage.ts";
import { ExecutingMarks } from "../../core/kv/executing.ts";
import { trimMalloc } from "../../core/host/malloc_trim.ts";

const engine = new Engine();
let views: string[] = [];
let viewSql: string[] = [];
/** This thread's marks file (in memory only until the pool names one). */
let marks = new ExecutingMarks(undefined);
/** Why this thread's marks file could not be opened, if it could not. */
let marksError: string | undefined;

function threadId(): number {
  try {
    return Number(Deno.readLinkSync("/proc/thread-self").split("/").pop());
  } catch {
    return 0;
  }
}

/** Runs `sql`: a differential query (`name` given) into sorted buffers, else into rows. */
function run(sql: string, name: string | undefined): Pick<QueryReply, "rows" | "size" | "sorted" | "count"> {
  if (name === undefined) return runCanonical(engine, sql);
  const builder = new SortedRowsBuilder();
  const size = runCanonicalInto(engine, sql, builder);
  const sorted = builder.finish();
  return { rows: [], size, sorted, count: sorted.count };
}

const tid = threadId();

/** Runs one request, its mark set while it runs. */
async function answer(request: QueryRequest, previous: string | undefined): Promise<QueryReply> {
  const { id, sql, name, events } = request;
  let markError = request.mark === undefined ? undefined : marksError;
  try {
    // One write replaces the previous query's mark with this one's.
    if (previous !== undefined && previous !== request.mark) marks.delete(previous, false);
    if (request.mark !== undefined) marks.set(request.mark, { since: Date.now(), tid });
  } catch (err) {
    // Without the mark a crash cannot be blamed on this query; the query still runs.
    markError = (err as Error).message;
  }
  const started = performance.now();
  const { userMs: u0, systemMs: s0 } = threadUsage();
  let reply: QueryReply;
  try {
    for (const text of [sql, ...viewSql]) await engine.registry.loadTablesFor(text);
    // Event tables answer from the store here (core/events/stored.ts), loaded before the scan.
    const loaded = events && await loadStoredEventsFor(engine, sql, events.plan, events.cursor);
    const out = loaded ? loaded.run(() => run(sql, name)) : run(sql, name);
    reply = { id, ok: true, ...out, wallMs: 0, userMs: 0, systemMs: 0, memory: 0 };
    if (loaded?.cursor) reply.eventCursor = loaded.cursor;
    const { userMs: u1, systemMs: s1 } = threadUsage();
    reply.wallMs = performance.now() - started;
    reply.userMs = Math.round(u1 - u0);
    reply.systemMs = Math.round(s1 - s0);
    reply.memory = residentBytes();
  } catch (err) {
    const { userMs: u1, systemMs: s1 } = threadUsage();
    reply = {
      id,
      ok: false,
      error: (err as Error).message,
      rows: [],
      size: 0,
      wallMs: performance.now() - started,
      userMs: Math.round(u1 - u0),
      systemMs: Math.round(s1 - s0),
      memory: residentBytes(),
    };
  }
  if (markError !== undefined) reply.markError = markError;
  return reply;
}

/** Runs a batch in order, as long as the pool leaves the next request to this thread. */
async function runBatch({ batch, control, postedAt, largeBytes }: QueryBatch): Promise<void> {
  const replies: QueryReply[] = [];
  const transfers: ArrayBuffer[] = [];
  let marked: string | undefined;
  for (let k = 0; k < batch.length; k++) {
    // The pool swaps in -1 to take back the requests not started (another thread runs them).
    if (Atomics.compareExchange(control, 0, k, k + 1) !== k) break;
    Atomics.store(control, 1, Date.now() - postedAt);
    const reply = await answer(batch[k], marked);
    marked = batch[k].mark;
    replies.push(reply);
    if (reply.sorted) transfers.push(...transferList(reply.sorted));
    // A large result goes back at once, and the thread (grown by it) stops: the pool ends it.
    if (reply.size >= largeBytes && Atomics.compareExchange(control, 0, k + 1, -1) === k + 1) break;
  }
  try {
    if (marked !== undefined) marks.delete(marked);
  } catch {
    // The mark stays until the next write replaces it: a crash meanwhile blames a finished query.
  }
  const message: BatchReply = { replies };
  self.postMessage(message, transfers);
  // The pool ends a thread after a large result (query_protocol.ts): it ends itself, cleanly.
  if (replies.some((r) => r.size >= largeBytes)) end();
}

/**
 * Ends this thread, its engine closed first: SQLite's memory is not the isolate's, and threads
 * ended from outside without closing it left it behind (120 threads ended after a large result
 * each: the process's RSS grew 85 -> 97 MiB; closing first, 82 -> 88).
 */
function end(): void {
  try {
    engine.close();
  } catch {
    // The thread ends all the same.
  }
  marks.close();
  closeStoredEvents();
  trimMalloc();
  self.close();
}

// The pool may stop a running statement from its own thread: through the scan flag and
// sqlite3_interrupt on this connection (safe from any thread).
self.postMessage({ ready: true, tid, db: String(engine.db.handle), cancel: engine.cancelFlag });

self.onmessage = async (
  event: MessageEvent<
    | QueryBatch
    | { schedule: SharedArrayBuffer }
    | { sections: TableSections; views: [string, string][] }
    | { tableSwitches: TableSwitches }
    | { marks: string | null }
    | { end: true }
  >,
) => {
  if ("batch" in event.data) return await runBatch(event.data);
  if ("end" in event.data) return end();
  if ("marks" in event.data) {
    marks.close();
    try {
      marks = new ExecutingMarks(event.data.marks ?? undefined, { fresh: true });
    } catch (err) {
      // A FIFO or directory in its place: the queries run unmarked, and each reply says why.
      marks = new ExecutingMarks(undefined);
      marksError = (err as Error).message;
    }
    return;
  }
  if ("tableSwitches" in event.data) {
    applyTableSwitches(engine.registry, event.data.tableSwitches);
    return;
  }
  if ("schedule" in event.data) {
    adoptScheduleBuffer(event.data.schedule);
    return;
  }
  applyTableSections(event.data.sections);
  applyViews(engine, event.data.views, views);
  views = event.data.views.map(([name]) => name);
  viewSql = event.data.views.map(([, sql]) => sql);
};
