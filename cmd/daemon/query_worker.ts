/**
 * A query thread: its own Engine over every table, running one scheduled query at a time and
 * answering with canonical rows (see core/diff.ts), the time it took and its thread's CPU.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import "../../tables/catalogue.ts";
import { Engine } from "../../core/engine.ts";
import { runCanonical } from "./canonical.ts";
import { adoptScheduleBuffer } from "../../core/scheduler.ts";
import { applyTableSections, applyViews, type TableSections } from "./config_hooks.ts";
import type { QueryReply, QueryRequest } from "./query_pool.ts";

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

const tid = threadId();
// The pool may stop a running statement from its own thread: through the scan flag and
// sqlite3_interrupt on this connection (safe from any thread).
self.postMessage({ ready: true, tid, db: String(engine.db.handle), cancel: engine.cancelFlag });

self.onmessage = (
  event: MessageEvent<
    QueryRequest | { schedule: SharedArrayBuffer } | { sections: TableSections; views: [string, string][] }
  >,
) => {
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
  const { id, sql } = event.data;
  const started = performance.now();
  const [u0, s0] = threadCpu(tid);
  let reply: QueryReply;
  try {
    const { rows, size } = runCanonical(engine, sql);
    const [u1, s1] = threadCpu(tid);
    reply = {
      id,
      ok: true,
      rows,
      size,
      wallMs: performance.now() - started,
      userMs: u1 - u0,
      systemMs: s1 - s0,
      memory: rss(),
    };
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
