/**
 * Query threads for the scheduler: scheduled queries run on Web Workers with their own Engine,
 * off the tick loop; the queries asked for together (a tick's due queries) go to a thread in
 * one message (cmd/daemon/query_protocol.ts says why and how).
 *
 * Fast queries share one thread (one warm Engine and JIT, one heap); a new thread starts only
 * when every thread has been busy with one query for longer than `slowMs`, and takes the
 * queries the others have not started yet (so a slow query holds up the others by at most that
 * long), up to a cap. Threads idle for `idleMs` end (the next query starts one again), as does
 * a thread that answered a large result (its memory goes back before the result is diffed); a
 * query past its time limit runs alone and has its thread ended.
 *
 * @module
 */

import { scheduleBuffer } from "../../core/results/scheduler.ts";
import { tableSwitchesFromFlags } from "../../core/flags/table_switches.ts";
import { Database } from "../../core/sqlite/database.ts";
import { failedReply, type ThreadRunOptions } from "../../core/results/reply.ts";
import { events } from "../../core/events/system.ts";
import {
  type BatchReply,
  END_GRACE_MS,
  LARGE_RESULT_BYTES,
  MAX_BATCH,
  PRESTART_BYTES,
  PRESTART_MS,
  QueryAbortedError,
  type QueryBatch,
  type QueryReply,
  type QueryRequest,
} from "./query_protocol.ts";
import { flags } from "../../core/flags/flags.ts";
import { clearThreadMarks, threadMarksPath } from "../../core/kv/executing.ts";

interface Job {
  request: QueryRequest;
  resolve: (r: QueryReply) => void;
  reject: (err: Error) => void;
  timeoutMs?: number;
  /** A scheduled event query's cursor (the store's plan is taken when the job is posted). */
  events?: ThreadRunOptions["events"];
}

interface Thread {
  worker: Worker;
  tid: number;
  /** Which marks file is the thread's (core/kv/executing.ts's threadMarksPath). */
  slot: number;
  /** The thread's SQLite connection (for sqlite3_interrupt) and scan-cancel flag. */
  db: bigint;
  cancel?: Int32Array;
  /** When the thread finished starting (Date.now()); start-up does not count as a slow query. */
  readyAt?: number;
  /** The batch in flight: its jobs (those not taken back), shared control, and when it was posted. */
  jobs: Job[];
  control?: Int32Array;
  postedAt: number;
  /** A lone query's time limit. */
  timer?: ReturnType<typeof setTimeout>;
  idleTimer?: ReturnType<typeof setTimeout>;
  /** When the thread last became idle, in performance.now() ms. */
  idleSince?: number;
}

/** A pool of query threads. */
export class QueryPool {
  readonly #threads: Thread[] = [];
  readonly #max: number;
  #nextId = 1;
  #closed = false;
  /** Jobs not handed to a thread yet, in order. */
  readonly #waiting: Job[] = [];
  #dispatchQueued = false;
  #slowTimer: ReturnType<typeof setTimeout> | undefined;
  /** When {@linkcode QueryPool.#slowTimer} fires (Date.now() ms). */
  #slowDue = 0;
  #sections: Record<string, unknown> = {};
  #views: [string, string][] = [];

  readonly #slowMs: number;
  readonly #idleMs: number;
  readonly #largeBytes: number;
  readonly #prestartBytes: number;
  readonly #prestartMs: number;
  readonly #marksPath: string | undefined;
  #prestart: ReturnType<typeof setTimeout> | undefined;

  /**
   * `max` threads at most; a further thread starts once every thread has been busy with one
   * query for `slowMs`; a thread idle for `idleMs` ends, and so does a thread once it answered
   * `largeBytes` of row text or more (default {@linkcode LARGE_RESULT_BYTES}), and is replaced
   * `prestartMs` later after `prestartBytes` or more ({@linkcode PRESTART_BYTES}). With
   * `marksPath` (the store's marks file), each thread marks the scheduled queries it runs in
   * a file beside it.
   */
  constructor(
    max = 4,
    options: {
      slowMs?: number;
      idleMs?: number;
      largeBytes?: number;
      prestartBytes?: number;
      prestartMs?: number;
      marksPath?: string;
    } = {},
  ) {
    this.#max = max;
    this.#slowMs = options.slowMs ?? 1000;
    this.#idleMs = options.idleMs ?? 60_000;
    this.#largeBytes = options.largeBytes ?? LARGE_RESULT_BYTES;
    this.#prestartBytes = options.prestartBytes ?? PRESTART_BYTES;
    this.#prestartMs = options.prestartMs ?? PRESTART_MS;
    this.#marksPath = options.marksPath;
  }

  #spawn(): Thread {
    const worker = new Worker(new URL("./query_worker.ts", import.meta.url), { type: "module" });
    const used = new Set(this.#threads.map((t) => t.slot));
    let slot = 0;
    while (used.has(slot)) slot++;
    worker.postMessage({ schedule: scheduleBuffer() });
    // The thread's registry leaves out the tables --disable_tables/--enable_tables remove here.
    worker.postMessage({ tableSwitches: tableSwitchesFromFlags() });
    worker.postMessage({ sections: this.#sections, views: this.#views });
    worker.postMessage({ marks: this.#marksPath === undefined ? null : threadMarksPath(this.#marksPath, slot) });
    const thread: Thread = { worker, tid: 0, slot, db: 0n, jobs: [], postedAt: 0 };
    worker.onmessage = (e: MessageEvent) => {
      const data = e.data as BatchReply & { ready?: boolean; tid?: number; db?: string; cancel?: Int32Array };
      if (data.ready) {
        thread.tid = data.tid ?? 0;
        thread.db = BigInt(data.db ?? "0");
        thread.cancel = data.cancel;
        thread.readyAt = Date.now();
        this.#soon();
        return;
      }
      if (data.replies) this.#answered(thread, data.replies);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      this.#fail(thread, `The query thread failed: ${e.message}`);
    };
    this.#threads.push(thread);
    return thread;
  }

  /** A thread answered its batch: replies to their jobs, jobs it did not start back to the queue. */
  #answered(thread: Thread, replies: QueryReply[]): void {
    const jobs = this.#detach(thread);
    const byId = new Map(jobs.map((j) => [j.request.id, j]));
    let largest = 0;
    const answered: [Job, QueryReply][] = [];
    for (const reply of replies) {
      const job = byId.get(reply.id);
      if (!job) continue;
      byId.delete(reply.id);
      largest = Math.max(largest, reply.size);
      answered.push([job, reply]);
    }
    // The thread stopped after a large result: the rest run after it, first.
    this.#waiting.unshift(...jobs.filter((j) => byId.has(j.request.id)));
    if (largest >= this.#largeBytes) this.#retire(thread, largest >= this.#prestartBytes);
    else this.#release(thread);
    for (const [job, reply] of answered) job.resolve(reply);
  }

  /** Marks a thread idle, hands it waiting work, and ends the thread if it stays idle. */
  #release(thread: Thread): void {
    thread.idleSince = performance.now();
    // One timer per idle period, not one set and cleared per batch.
    thread.idleTimer ??= setTimeout(() => this.#idleCheck(thread), this.#idleMs);
    this.#soon();
  }

  /** Ends a thread idle for `idleMs`; a busy one is looked at again when it is released. */
  #idleCheck(thread: Thread): void {
    thread.idleTimer = undefined;
    if (thread.control) return;
    const left = (thread.idleSince ?? 0) + this.#idleMs - performance.now();
    if (left <= 0) this.#end(thread, "ask");
    else thread.idleTimer = setTimeout(() => this.#idleCheck(thread), left);
  }

  /**
   * Ends a thread that just answered (a large result), letting waiting work start another; with
   * `replace`, an idle one starts a moment later unless a query started one meanwhile (it ends
   * after `idleMs` unused).
   */
  #retire(thread: Thread, replace = false): void {
    this.#end(thread, "itself");
    this.#soon();
    if (!replace || this.#prestart !== undefined) return;
    this.#prestart = setTimeout(() => {
      this.#prestart = undefined;
      if (!this.#closed && this.#threads.length === 0) this.#release(this.#spawn());
    }, this.#prestartMs);
  }

  /** Ends a thread: it ends `itself` (a large result), or when asked (idle), or is terminated (`kill`). */
  #end(thread: Thread, how: "itself" | "ask" | "kill" = "kill"): void {
    if (thread.idleTimer !== undefined) clearTimeout(thread.idleTimer);
    if (how === "ask") thread.worker.postMessage({ end: true });
    if (how === "kill") thread.worker.terminate();
    else Deno.unrefTimer(setTimeout(() => thread.worker.terminate(), END_GRACE_MS));
    const i = this.#threads.indexOf(thread);
    if (i >= 0) this.#threads.splice(i, 1);
  }

  /**
   * Ends a thread that failed or ran past a time limit: the queries it started fail with
   * `message`, those it had not started go back to the queue.
   */
  #fail(thread: Thread, message: string): void {
    const unstarted = this.#takeBack(thread);
    const failed = this.#detach(thread);
    this.#end(thread);
    this.#waiting.unshift(...unstarted);
    for (const job of failed) job.resolve({ id: job.request.id, ...failedReply(message, 0) });
    this.#soon();
  }

  /** Ends a thread's batch here (it is answered or failed): its jobs, the thread idle. */
  #detach(thread: Thread): Job[] {
    const jobs = thread.jobs;
    clearTimeout(thread.timer);
    [thread.jobs, thread.control, thread.timer] = [[], undefined, undefined];
    return jobs;
  }

  /** The jobs of a thread's batch it has not started, taken from it (it stops before them). */
  #takeBack(thread: Thread): Job[] {
    if (!thread.control) return [];
    const next = Atomics.exchange(thread.control, 0, -1);
    return next < 0 ? [] : thread.jobs.splice(next);
  }

  /** Hands waiting jobs to threads once the current run of microtasks is done (a tick's queries together). */
  #soon(): void {
    if (this.#dispatchQueued) return;
    this.#dispatchQueued = true;
    queueMicrotask(() => {
      this.#dispatchQueued = false;
      this.#dispatch();
    });
  }

  #dispatch(): void {
    if (this.#closed) return;
    while (this.#waiting.length) {
      // A thread gets work once it has started (its id then names it in marks and notes).
      const thread = this.#threads.find((t) => !t.control && t.readyAt !== undefined);
      if (!thread) {
        if (this.#threads.length === 0) this.#spawn();
        break;
      }
      this.#post(thread, this.#takeBatch());
    }
    this.#armSlowCheck();
  }

  /** The next batch: waiting jobs in order, up to a job with a time limit (which goes alone). */
  #takeBatch(): Job[] {
    if (this.#waiting[0].timeoutMs) return this.#waiting.splice(0, 1);
    const limited = this.#waiting.findIndex((j) => j.timeoutMs);
    return this.#waiting.splice(0, Math.min(limited < 0 ? this.#waiting.length : limited, MAX_BATCH));
  }

  #post(thread: Thread, jobs: Job[]): void {
    thread.jobs = jobs;
    thread.control = new Int32Array(new SharedArrayBuffer(8));
    thread.postedAt = Date.now();
    const batch: QueryRequest[] = [];
    for (const job of jobs) {
      // Without a store the threads can open (events stopped since), the tables answer empty
      // and the cursor stays: the next run reads those events.
      const plan = job.events ? events.threadRead() : undefined;
      if (plan) {
        job.request.events = { plan, ...(job.events?.cursor ? { cursor: job.events.cursor } : {}) };
        // With --verbose: which thread reads which stored events (the daemon's tests look for it).
        if (flags.bool("verbose")) {
          const from = JSON.stringify(job.events?.cursor ?? {});
          console.error(`I Query thread ${thread.tid} reads the stored events after ${from} for: ${job.request.sql}`);
        }
      }
      batch.push(job.request);
    }
    const limit = jobs.length === 1 ? jobs[0].timeoutMs : undefined;
    if (limit) {
      thread.timer = setTimeout(() => {
        // Ask the statement to stop; if the thread does not answer soon, end it.
        this.#interrupt(thread);
        thread.timer = setTimeout(
          () => this.#fail(thread, `The query ran longer than ${limit} ms and was stopped.`),
          2000,
        );
      }, limit);
    }
    const message: QueryBatch = {
      batch,
      control: thread.control,
      postedAt: thread.postedAt,
      largeBytes: this.#largeBytes,
    };
    thread.worker.postMessage(message);
  }

  /** When the query a thread runs now started (Date.now()); start-up does not count. */
  #currentSince(thread: Thread): number {
    if (thread.readyAt === undefined) return Infinity;
    if (!thread.control) return Infinity;
    return Math.max(thread.readyAt, thread.postedAt + Atomics.load(thread.control, 1));
  }

  /**
   * While work waits (queued, or in a batch behind a running query) and a thread may still
   * start: once every thread has been on its current query for `slowMs`, a new thread starts
   * and takes the work nobody started.
   */
  #armSlowCheck(): void {
    if (this.#closed || this.#threads.length === 0 || this.#threads.length >= this.#max) return;
    const waiting = this.#waiting.length > 0 ||
      this.#threads.some((t) =>
        t.control && Atomics.load(t.control, 0) >= 0 && Atomics.load(t.control, 0) < t.jobs.length
      );
    if (!waiting) return;
    const deadline = Math.max(...this.#threads.map((t) => this.#currentSince(t))) + this.#slowMs;
    if (!Number.isFinite(deadline)) return;
    const left = deadline - Date.now();
    if (left > 0) {
      // A timer due no later looks again then (a timer set and cleared per batch cost more
      // than the batch's own bookkeeping).
      if (this.#slowTimer !== undefined && this.#slowDue <= deadline) return;
      clearTimeout(this.#slowTimer);
      this.#slowDue = deadline;
      this.#slowTimer = setTimeout(() => {
        this.#slowTimer = undefined;
        this.#armSlowCheck();
      }, left);
      return;
    }
    for (const t of this.#threads) this.#waiting.unshift(...this.#takeBack(t));
    this.#spawn();
    this.#dispatch();
  }

  /**
   * Runs `sql` on a thread, with the other queries asked for meanwhile. With `timeoutMs`, it
   * runs alone and the thread is ended past that time.
   */
  run(sql: string, options: ThreadRunOptions = {}): Promise<QueryReply> {
    if (this.#closed) return Promise.reject(new QueryAbortedError("The query pool is closed."));
    const request: QueryRequest = { id: this.#nextId++, sql };
    if (options.name !== undefined) request.name = options.name;
    if (options.mark !== undefined) request.mark = options.mark;
    return new Promise<QueryReply>((resolve, reject) => {
      const job: Job = { request, resolve, reject };
      if (options.timeoutMs) job.timeoutMs = options.timeoutMs;
      if (options.events) job.events = options.events;
      this.#waiting.push(job);
      this.#soon();
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
    if (thread.db) Database.interruptHandle(thread.db);
  }

  /** Stops every running statement (scans end, SQLite stops at its next opcode). */
  interruptAll(): void {
    for (const t of this.#threads) if (t.control) this.#interrupt(t);
  }

  /** Number of threads. */
  get size(): number {
    return this.#threads.length;
  }

  /** Ends every thread; running queries resolve as failed, waiting ones reject. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#prestart);
    clearTimeout(this.#slowTimer);
    for (const t of [...this.#threads]) {
      this.#fail(t, "The daemon is stopping.");
      // Stopped, not failed: no blame at the next start.
      if (this.#marksPath !== undefined) clearThreadMarks(threadMarksPath(this.#marksPath, t.slot));
    }
    for (const job of this.#waiting.splice(0)) job.reject(new QueryAbortedError("The query pool is closed."));
  }
}
