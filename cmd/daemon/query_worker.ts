/**
 * A query thread: its own Engine over every table, running one scheduled query at a time and
 * answering with canonical rows (see core/results/diff.ts), the time it took and its thread's CPU.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import "../../tables/catalogue.ts";
import { Engine } from "../../core/engine.ts";
import { runCanonical } from "../../core/results/canonical_rows.ts";
import { diffIndexed, diffRows, type IndexedRows, indexRows } from "../../core/results/diff.ts";
import { adoptScheduleBuffer } from "../../core/results/scheduler.ts";
import { applyTableSections, applyViews, type TableSections } from "./config_hooks.ts";
import type { QueryReply, QueryRequest } from "./query_pool.ts";
import { applyTableSwitches, type TableSwitches } from "../../core/flags/table_switches.ts";

const engine = new Engine();
let views: string[] = [];

function threadId(): number {
  try {
    return Number(Deno.readLinkSync("/proc/thread-self").split("/").pop());
  } catch {
    return 0;
  }
}

/** utime and stime of this thread, in ms. */
function threadCpu(tid: number): [number, number] {
  try {
    const stat = Deno.readTextFileSync(`/proc/self/task/${tid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return [Number(fields[11]) * 10, Number(fields[12]) * 10];
  } catch {
    return [0, 0];
  }
}

function rss(): number {
  try {
    const pages = Number(Deno.readTextFileSync("/proc/self/statm").split(" ")[1]);
    return pages * 4096;
  } catch {
    return 0;
  }
}

/**
 * The rows of each scheduled query's last run here, under a fresh id. The daemon sends that id
 * back as `previous` only when its committed rows equal them, so a diff here is a diff against
 * the stored results; then only the diff (and, when it is not empty, the rows as one string)
 * travels back instead of every row.
 */
const kept = new Map<string, { id: string; rows: string[]; index?: IndexedRows }>();

function diffAgainstKept(reply: QueryReply, name: string, previous: string | undefined): void {
  const rows = reply.rows;
  const hit = kept.get(name);
  reply.count = rows.length;
  // Rows are kept with a sorted index (8 bytes a row): the next diff walks two indexes instead
  // of building a map of every previous row.
  const index = indexRows(rows);
  if (hit && previous !== undefined && hit.id === previous) {
    const diff = hit.index && index ? diffIndexed(hit.index, index) : diffRows(hit.rows, rows);
    reply.rows = [];
    reply.diff = diff;
    if (diff.added.length === 0 && diff.removed.length === 0) {
      reply.rowsId = hit.id;
      return;
    }
    reply.rowsText = rows.join("\n");
  }
  reply.rowsId = crypto.randomUUID();
  kept.set(name, { id: reply.rowsId, rows, index });
}

const tid = threadId();
// The pool may stop a running statement from its own thread: through the scan flag and
// sqlite3_interrupt on this connection (safe from any thread).
self.postMessage({ ready: true, tid, db: String(engine.db.handle), cancel: engine.cancelFlag });

self.onmessage = (
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
    return;
  }
  const { id, sql, name, previous } = event.data;
  const started = performance.now();
  const [u0, s0] = threadCpu(tid);
  let reply: QueryReply;
  try {
    const { rows, size } = runCanonical(engine, sql);
    reply = { id, ok: true, rows, size, wallMs: 0, userMs: 0, systemMs: 0, memory: 0 };
    if (name !== undefined) diffAgainstKept(reply, name, previous);
    const [u1, s1] = threadCpu(tid);
    reply.wallMs = performance.now() - started;
    reply.userMs = u1 - u0;
    reply.systemMs = s1 - s0;
    reply.memory = rss();
  } catch (err) {
    const [u1, s1] = threadCpu(tid);
    reply = {
      id,
      ok: false,
      error: (err as Error).message,
      rows: [],
      size: 0,
      wallMs: performance.now() - started,
      userMs: u1 - u0,
      systemMs: s1 - s0,
      memory: rss(),
    };
  }
  self.postMessage(reply);
};
