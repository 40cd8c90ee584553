/**
 * A query thread: its own Engine over every table, running one scheduled query at a time and
 * answering with canonical rows (see core/results/diff.ts), the time it took and its thread's CPU.
 * A differential query's rows are encoded as they come and sorted into flat buffers
 * (core/results/sorted_rows.ts) that are transferred to the daemon's thread, not copied: no
 * array of row strings builds up here, and nothing of a run stays here after it.
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
import type { QueryReply, QueryRequest } from "./query_pool.ts";
import { applyTableSwitches, type TableSwitches } from "../../core/flags/table_switches.ts";
import { loadStoredEventsFor } from "../../core/events/stored.ts";
import { residentBytes, threadUsage } from "../../core/host/thread_usage.ts";

const engine = new Engine();
let views: string[] = [];
let viewSql: string[] = [];

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
// The pool may stop a running statement from its own thread: through the scan flag and
// sqlite3_interrupt on this connection (safe from any thread).
self.postMessage({ ready: true, tid, db: String(engine.db.handle), cancel: engine.cancelFlag });

self.onmessage = async (
  event: MessageEvent<
    | QueryRequest
    | { schedule: SharedArrayBuffer }
    | { sections: TableSections; views: [string, string][] }
    | { tableSwitches: TableSwitches }
  >,
) => {
  if ("tableSwitches" in event.data) {
    applyTableSwitches(engine.registry, event.data.tableSwitches);
    return;
  }
  if ("schedule" in event.data) {
    adoptScheduleBuffer(event.data.schedule);
    return;
  }
  if ("sections" in event.data) {
    applyTableSections(event.data.sections);
    applyViews(engine, event.data.views, views);
    views = event.data.views.map(([name]) => name);
    viewSql = event.data.views.map(([, sql]) => sql);
    return;
  }
  const { id, sql, name, events } = event.data;
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
  self.postMessage(reply, reply.sorted ? transferList(reply.sorted) : []);
};
