/**
 * Query threads for the scheduler: each scheduled query runs on a Web Worker with its own
 * Engine, so a slow query never holds up the others. Idle threads are reused; a new one is
 * started when all are busy (up to a cap); a query past its time limit has its thread ended.
 *
 * @module
 */

import { scheduleBuffer } from "../../core/scheduler.ts";
import { sqlite } from "../../core/sqlite/ffi.ts";

/** A request to a query thread. */
export interface QueryRequest {
  id: number;
  sql: string;
}

/** A query thread's answer. */
export interface QueryReply {
  id: number;
  ok: boolean;
  error?: string;
  /** Canonical rows. */
  rows: string[];
  /** Bytes of row text (osquery_schedule.output_size). */
  size: number;
  wallMs: number;
  userMs: number;
  systemMs: number;
  /** Process RSS after the query, in bytes. */
  memory: number;
}

interface Thread {
  worker: Worker;
  tid: number;
  /** The thread's SQLite connection (for sqlite3_interrupt) and scan-cancel flag. */
  db: bigint;
  cancel?: Int32Array;
  ready: Promise<void>;
  busy: boolean;
  pending?: { resolve: (r: QueryReply) => void; id: number; timer?: ReturnType<typeof setTimeout> };
}

/** Raised when a query exceeded its time limit or the pool closed. */
export class QueryAbortedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QueryAbortedError";
  }
}

/** A pool of query threads. */
export class QueryPool {
  readonly #threads: Thread[] = [];
  readonly #max: number;
  #nextId = 1;
  #closed = false;
  readonly #queue: (() => void)[] = [];
  #sections: Record<string, unknown> = {};
  #views: [string, string][] = [];

  constructor(max = 4) {
    this.#max = max;
  }

  #spawn(): Thread {
    const worker = new Worker(new URL("./query_worker.ts", import.meta.url), { type: "module" });
    worker.postMessage({ schedule: scheduleBuffer() });
    worker.postMessage({ sections: this.#sections, views: this.#views });
    let markReady!: () => void;
    const thread: Thread = { worker, tid: 0, db: 0n, ready: new Promise((r) => (markReady = r)), busy: false };
    worker.onmessage = (e: MessageEvent) => {
      const data = e.data as QueryReply & { ready?: boolean; tid?: number; db?: string; cancel?: Int32Array };
      if (data.ready) {
        thread.tid = data.tid ?? 0;
        thread.db = BigInt(data.db ?? "0");
        thread.cancel = data.cancel;
        markReady();
        return;
      }
      const p = thread.pending;
      if (p && p.id === data.id) {
        if (p.timer !== undefined) clearTimeout(p.timer);
        thread.pending = undefined;
        thread.busy = false;
        p.resolve(data);
        this.#queue.shift()?.();
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      this.#fail(thread, `The query thread failed: ${e.message}`);
    };
    this.#threads.push(thread);
    return thread;
  }

  #fail(thread: Thread, message: string): void {
    const p = thread.pending;
    thread.worker.terminate();
    const i = this.#threads.indexOf(thread);
    if (i >= 0) this.#threads.splice(i, 1);
    if (p) {
      if (p.timer !== undefined) clearTimeout(p.timer);
      p.resolve({
        id: p.id,
        ok: false,
        error: message,
        rows: [],
        size: 0,
        wallMs: 0,
        userMs: 0,
        systemMs: 0,
        memory: 0,
      });
    }
    this.#queue.shift()?.();
  }

  async #acquire(): Promise<Thread> {
    while (true) {
      if (this.#closed) throw new QueryAbortedError("The query pool is closed.");
      const idle = this.#threads.find((t) => !t.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.#threads.length < this.#max) {
        const t = this.#spawn();
        t.busy = true;
        return t;
      }
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    }
  }

  /**
   * Runs `sql` on a free thread. `onStart` receives the thread id once it runs (for the
   * watchdog's blame). With `timeoutMs`, the thread is ended past that time.
   */
  async run(
    sql: string,
    options: { timeoutMs?: number; onStart?: (tid: number) => Promise<void> } = {},
  ): Promise<QueryReply> {
    const thread = await this.#acquire();
    await thread.ready;
    await options.onStart?.(thread.tid);
    const id = this.#nextId++;
    return await new Promise<QueryReply>((resolve) => {
      thread.pending = { resolve, id };
      if (options.timeoutMs) {
        thread.pending.timer = setTimeout(() => {
          // Ask the statement to stop; if the thread does not answer soon, end it.
          this.#interrupt(thread);
          thread.pending!.timer = setTimeout(
            () => this.#fail(thread, `The query ran longer than ${options.timeoutMs} ms and was stopped.`),
            2000,
          );
        }, options.timeoutMs);
      }
      thread.worker.postMessage({ id, sql } satisfies QueryRequest);
    });
  }

  /** Sends config sections (for tables that read them) and views to every thread, now and when started. */
  configure(sections: Record<string, unknown>, views: [string, string][] = []): void {
    this.#sections = sections;
    this.#views = views;
    for (const t of this.#threads) t.worker.postMessage({ sections, views });
  }

  #interrupt(thread: Thread): void {
    if (thread.cancel) Atomics.store(thread.cancel, 0, 1);
    if (thread.db) sqlite().sqlite3_interrupt(thread.db);
  }

  /** Stops every running statement (scans end, SQLite stops at its next opcode). */
  interruptAll(): void {
    for (const t of this.#threads) if (t.busy) this.#interrupt(t);
  }

  /** Number of threads. */
  get size(): number {
    return this.#threads.length;
  }

  /** Ends every thread; running queries resolve as failed. */
  close(): void {
    this.#closed = true;
    for (const t of [...this.#threads]) this.#fail(t, "The daemon is stopping.");
    for (const q of this.#queue.splice(0)) q();
  }
}
