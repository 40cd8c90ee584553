/**
 * Query threads for the scheduler: scheduled queries run on Web Workers with their own Engine,
 * off the tick loop. Fast queries share one thread (one warm Engine and JIT, one heap); a new
 * thread starts only when every thread has been busy with one query for longer than
 * `slowMs` (so a slow query holds up the others by at most that long), up to a cap. Threads
 * idle for `idleMs` end (the next query starts one again), as does a thread that answered a
 * large result (its memory goes back before the result is diffed); a query past its time limit
 * has its thread ended.
 *
 * @module
 */

import { scheduleBuffer } from "../../core/results/scheduler.ts";
import { tableSwitchesFromFlags } from "../../core/flags/table_switches.ts";
import { Database } from "../../core/sqlite/database.ts";
import type { RunReply, ThreadRunOptions } from "../../core/results/reply.ts";
import { events, type StoredEventsPlan } from "../../core/events/system.ts";
import { flags } from "../../core/flags/flags.ts";

/**
 * Row text a thread may answer and still serve the next query. A larger result has grown the
 * thread (its heap, SQLite's memory for the statement, the row buffers' allocations) by several
 * MiB that stay with it; ending it returns them while the daemon diffs and logs the result, and
 * the next query starts a thread afresh (~0.1 s): a 100,000-row run's worker peak fell ~8 MiB
 * (scripts/bench_daemon.ts --large).
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

/** A request to a query thread. */
export interface QueryRequest {
  id: number;
  sql: string;
  /**
   * A differential query's scheduled name: the thread answers with its rows sorted as flat
   * buffers ({@linkcode QueryReply.sorted}, transferred).
   */
  name?: string;
  /**
   * For a query reading event tables: the thread reads their events from the store `plan`
   * names (after `cursor`, per table, for a scheduled run) and answers with the cursor it
   * reached (core/events/stored.ts).
   */
  events?: { plan: StoredEventsPlan; cursor?: Record<string, number> };
}

/** A query thread's answer: the pipeline's RunReply (core/results/reply.ts) with the request's id. */
export interface QueryReply extends RunReply {
  id: number;
}

interface Thread {
  worker: Worker;
  tid: number;
  /** The thread's SQLite connection (for sqlite3_interrupt) and scan-cancel flag. */
  db: bigint;
  cancel?: Int32Array;
  ready: Promise<void>;
  busy: boolean;
  /** When the thread's current query (or its start-up) began, in performance.now() ms. */
  since: number;
  idleTimer?: ReturnType<typeof setTimeout>;
  /** When the thread last became idle, in performance.now() ms. */
  idleSince?: number;
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

  readonly #slowMs: number;
  readonly #idleMs: number;
  readonly #largeBytes: number;
  readonly #prestartBytes: number;
  readonly #prestartMs: number;
  #prestart: ReturnType<typeof setTimeout> | undefined;

  /**
   * `max` threads at most; a further thread starts once every thread has been busy for
   * `slowMs`; a thread idle for `idleMs` ends, and so does a thread once it answered
   * `largeBytes` of row text or more (default {@linkcode LARGE_RESULT_BYTES}), and is replaced
   * `prestartMs` later after `prestartBytes` or more ({@linkcode PRESTART_BYTES}).
   */
  constructor(
    max = 4,
    options: { slowMs?: number; idleMs?: number; largeBytes?: number; prestartBytes?: number; prestartMs?: number } =
      {},
  ) {
    this.#max = max;
    this.#slowMs = options.slowMs ?? 1000;
    this.#idleMs = options.idleMs ?? 60_000;
    this.#largeBytes = options.largeBytes ?? LARGE_RESULT_BYTES;
    this.#prestartBytes = options.prestartBytes ?? PRESTART_BYTES;
    this.#prestartMs = options.prestartMs ?? PRESTART_MS;
  }

  #spawn(): Thread {
    const worker = new Worker(new URL("./query_worker.ts", import.meta.url), { type: "module" });
    worker.postMessage({ schedule: scheduleBuffer() });
    // The thread's registry leaves out the tables --disable_tables/--enable_tables remove here.
    worker.postMessage({ tableSwitches: tableSwitchesFromFlags() });
    worker.postMessage({ sections: this.#sections, views: this.#views });
    let markReady!: () => void;
    const thread: Thread = {
      worker,
      tid: 0,
      db: 0n,
      ready: new Promise((r) => (markReady = r)),
      busy: false,
      // Start-up (importing every table) does not count as a slow query.
      since: Infinity,
    };
    worker.onmessage = (e: MessageEvent) => {
      const data = e.data as QueryReply & { ready?: boolean; tid?: number; db?: string; cancel?: Int32Array };
      if (data.ready) {
        thread.tid = data.tid ?? 0;
        thread.db = BigInt(data.db ?? "0");
        thread.cancel = data.cancel;
        thread.since = performance.now();
        markReady();
        // Waiters look again: their slowMs deadlines start now.
        for (const wake of this.#queue.splice(0)) wake();
        return;
      }
      const p = thread.pending;
      if (p && p.id === data.id) {
        if (p.timer !== undefined) clearTimeout(p.timer);
        thread.pending = undefined;
        if (data.size >= this.#largeBytes) this.#retire(thread, data.size >= this.#prestartBytes);
        else this.#release(thread);
        p.resolve(data);
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      this.#fail(thread, `The query thread failed: ${e.message}`);
    };
    this.#threads.push(thread);
    return thread;
  }

  /** Marks a thread idle, wakes a waiter, and ends the thread if it stays idle. */
  #release(thread: Thread): void {
    thread.busy = false;
    thread.idleSince = performance.now();
    // One timer per idle period, not one set and cleared per query (hundreds a minute).
    thread.idleTimer ??= setTimeout(() => this.#idleCheck(thread), this.#idleMs);
    this.#wake();
  }

  /** Ends a thread idle for `idleMs`; a busy one is looked at again when it is released. */
  #idleCheck(thread: Thread): void {
    thread.idleTimer = undefined;
    if (thread.busy) return;
    const left = (thread.idleSince ?? 0) + this.#idleMs - performance.now();
    if (left <= 0) this.#end(thread);
    else thread.idleTimer = setTimeout(() => this.#idleCheck(thread), left);
  }

  /**
   * Ends a thread that just answered (a large result), letting a waiter start another; with
   * `replace`, an idle one starts a moment later unless a query started one meanwhile (it ends
   * after `idleMs` unused).
   */
  #retire(thread: Thread, replace = false): void {
    this.#end(thread);
    this.#wake();
    if (!replace || this.#prestart !== undefined) return;
    this.#prestart = setTimeout(() => {
      this.#prestart = undefined;
      if (!this.#closed && this.#threads.length === 0) this.#release(this.#spawn());
    }, this.#prestartMs);
  }

  #wake(): void {
    this.#queue.shift()?.();
  }

  #end(thread: Thread): void {
    if (thread.idleTimer !== undefined) clearTimeout(thread.idleTimer);
    thread.worker.terminate();
    const i = this.#threads.indexOf(thread);
    if (i >= 0) this.#threads.splice(i, 1);
  }

  #fail(thread: Thread, message: string): void {
    const p = thread.pending;
    if (thread.idleTimer !== undefined) clearTimeout(thread.idleTimer);
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
    this.#wake();
  }

  async #acquire(): Promise<Thread> {
    while (true) {
      if (this.#closed) throw new QueryAbortedError("The query pool is closed.");
      const idle = this.#threads.find((t) => !t.busy);
      if (idle) {
        idle.busy = true;
        idle.since = performance.now();
        return idle;
      }
      // Every thread is busy: wait for one, unless all have been busy past slowMs.
      const now = performance.now();
      const soonest = Math.min(...this.#threads.map((t) => t.since + this.#slowMs)) - now;
      if (this.#threads.length < this.#max && (this.#threads.length === 0 || soonest <= 0)) {
        const t = this.#spawn();
        t.busy = true;
        return t;
      }
      await new Promise<void>((resolve) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const wake = () => {
          if (timer !== undefined) clearTimeout(timer);
          const i = this.#queue.indexOf(wake);
          if (i >= 0) this.#queue.splice(i, 1);
          resolve();
        };
        this.#queue.push(wake);
        // A thread crossing slowMs lets a new one start: look again then.
        if (this.#threads.length < this.#max && Number.isFinite(soonest)) {
          timer = setTimeout(wake, Math.max(1, soonest));
        }
      });
    }
  }

  /**
   * Runs `sql` on a free thread. `onStart` receives the thread id once it runs (for the
   * watchdog's blame). With `timeoutMs`, the thread is ended past that time.
   */
  async run(sql: string, options: ThreadRunOptions = {}): Promise<QueryReply> {
    const thread = await this.#acquire();
    await thread.ready;
    try {
      await options.onStart?.(thread.tid);
    } catch (err) {
      // The thread never got the query: give it back, or a failing onStart (a full disk) leaks
      // every thread and the schedule stops for good.
      this.#release(thread);
      throw err;
    }
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
      const request: QueryRequest = { id, sql };
      if (options.name !== undefined) request.name = options.name;
      // Without a store the threads can open (events stopped since), the tables answer empty
      // and the cursor stays: the next run reads those events.
      const plan = options.events ? events.threadRead() : undefined;
      if (plan) {
        request.events = { plan, ...(options.events?.cursor ? { cursor: options.events.cursor } : {}) };
        if (flags.bool("verbose")) this.#noteEventRead(thread, sql, request);
      }
      thread.worker.postMessage(request);
    });
  }

  /** With --verbose: which thread reads which stored events (the daemon's tests look for it). */
  #noteEventRead(thread: Thread, sql: string, request: QueryRequest): void {
    const from = JSON.stringify(request.events?.cursor ?? {});
    console.error(`I Query thread ${thread.tid} reads the stored events after ${from} for: ${sql}`);
  }

  /** Sends config sections (for tables that read them) and views to every thread, now and when started. */
  configure(sections: Record<string, unknown>, views: [string, string][] = []): void {
    this.#sections = sections;
    this.#views = views;
    for (const t of this.#threads) t.worker.postMessage({ sections, views });
  }

  #interrupt(thread: Thread): void {
    if (thread.cancel) Atomics.store(thread.cancel, 0, 1);
    if (thread.db) Database.interruptHandle(thread.db);
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
    clearTimeout(this.#prestart);
    for (const t of [...this.#threads]) this.#fail(t, "The daemon is stopping.");
    for (const q of this.#queue.splice(0)) q();
  }
}
