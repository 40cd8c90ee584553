/**
 * A query thread: its own Engine over every table, running one scheduled query at a time and
 * answering with canonical rows (see core/diff.ts), the time it took and its thread's CPU.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import "../../tables/catalogue.ts";
import { Engine } from "../../core/engine.ts";
import { sqlite } from "../../core/sqlite/ffi.ts";
import { SQLITE } from "../../core/sqlite/ffi.ts";
import { canonicalRow, type Cell } from "../../core/diff.ts";
import { adoptScheduleBuffer } from "../../core/scheduler.ts";
import type { QueryReply, QueryRequest } from "./query_pool.ts";

const engine = new Engine();
const decoder = new TextDecoder();

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
self.postMessage({ ready: true, tid });

self.onmessage = (event: MessageEvent<QueryRequest | { schedule: SharedArrayBuffer }>) => {
  if ("schedule" in event.data) {
    adoptScheduleBuffer(event.data.schedule);
    return;
  }
  const { id, sql } = event.data;
  const started = performance.now();
  const [u0, s0] = threadCpu(tid);
  let reply: QueryReply;
  try {
    engine.resetCancel();
    const rows: string[] = [];
    let size = 0;
    for (const { statement } of engine.db.statements(sql)) {
      try {
        const names = statement.columnNames;
        const s = sqlite();
        const h = BigInt(statement.handle);
        const cells: Cell[] = new Array(names.length);
        const last = rows.length;
        while (statement.step()) {
          for (let i = 0; i < names.length; i++) {
            const type = s.sqlite3_column_type(h, i);
            const v = statement.value(i);
            if (type === SQLITE.INTEGER) cells[i] = { int: v as number | bigint };
            else if (type === SQLITE.FLOAT) cells[i] = { real: v as number };
            else if (v === null) cells[i] = "";
            else if (v instanceof Uint8Array) cells[i] = decoder.decode(v);
            else cells[i] = String(v);
          }
          const row = canonicalRow(names, cells);
          size += row.length;
          rows.push(row);
        }
        // Only the last statement with result columns counts (as in osquery's SQL).
        if (names.length > 0) rows.splice(0, last);
      } finally {
        statement.finalize();
      }
    }
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
