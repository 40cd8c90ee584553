/**
 * The scheduled query's way to the logs: run it (on a query thread, or on this thread when its
 * tables keep their state here), canonicalize its rows, diff them against the previous result
 * in KV, and write the new state with the log lines in one atomic commit; the lines then wait
 * in the outbox for the loggers. Faces give it the threads, the loggers' shipping and the
 * counters' publishing; it owns the order of those steps.
 *
 * @example
 * ```ts ignore
 * const pipeline = new ResultPipeline({ store, threads: pool, runHere, ... });
 * pipeline.start(scheduledQuery); // from the scheduler's tick
 * await pipeline.settle(5000); // stopping: running queries may finish
 * await pipeline.flush();
 * ```
 *
 * @module
 */
// The schedule's flags (schedule_epoch, schedule_query_timeout, ...) are defined there.
import "./scheduler.ts";
import { flags } from "../flags/flags.ts";
import type { ScheduledQuery } from "../config/config.ts";
import { batchLine, eventLines, type LogItem, nextEvents, nextResults, snapshotLines } from "./diff.ts";
import type { ExecutingQuery, RunCommit, Store, StoredQuery } from "../kv/store.ts";
import type { QueryCounters } from "./scheduler.ts";
import { EventCursor, withEventCursor } from "../events/system.ts";
import { CommitBatch } from "./commit_batch.ts";
import { countRun } from "./counters.ts";
import type { Decorations } from "./decorations.ts";
import { failedReply, localReply, type QueryThreads, type RunReply } from "./reply.ts";
import { Severity, type StatusSink } from "./status.ts";
import { isStorageError, type StorageHealth } from "./storage_health.ts";

/** What a {@linkcode ResultPipeline} is wired to. */
export interface ResultPipelineOptions {
  store: Store;
  /** The query threads everything else runs on. */
  threads: QueryThreads;
  /** Canonical rows (core/results/diff.ts's text form) of `sql` run on this thread's engine. */
  runHere: (sql: string) => { rows: string[]; size: number };
  /** True when `sql` reads a table (events, carves) whose state lives on this thread. */
  needsThisThread: (sql: string) => boolean;
  /** True when `sql` reads an extension's table (registered in this thread's engine only). */
  usesExtensionTable: (sql: string) => boolean;
  hostIdentifier: () => Promise<string>;
  decorations: Decorations;
  /** The schedule's counters (osquery_schedule), by scheduled name; runs are counted here. */
  counters: Map<string, QueryCounters>;
  health: StorageHealth;
  /** The database path, for status lines. */
  database: () => string;
  status: StatusSink;
  /** Publishes the counters (osquery_schedule, osquery_packs). */
  publish: () => Promise<void>;
  /** Hands committed lines from the outbox to the loggers. */
  ship: () => Promise<void>;
}

/** Runs scheduled queries into committed results and log lines. */
export class ResultPipeline {
  readonly #o: ResultPipelineOptions;
  readonly #running = new Set<string>();
  readonly #inflight = new Set<Promise<void>>();
  readonly #batch: CommitBatch;
  /** False when the counters changed since the last publish. */
  #published = true;
  /**
   * Per scheduled query, the id under which the query thread keeps rows equal to the committed
   * ones (set after each commit, dropped while a run is under way).
   */
  readonly #threadRows = new Map<string, string>();

  constructor(options: ResultPipelineOptions) {
    this.#o = options;
    this.#batch = new CommitBatch({
      store: options.store,
      inflight: () => this.#inflight.size,
      dirty: () => !this.#published,
      afterFlush: (runs, anyCommitted) => this.#afterFlush(runs, anyCommitted),
    });
  }

  /** True while a run of `name` is under way (until its commit). */
  isRunning(name: string): boolean {
    return this.#running.has(name);
  }

  /** Starts a run of `q` in the background; its errors are reported, never thrown. */
  start(q: ScheduledQuery): void {
    const name = q.scheduledName;
    this.#running.add(name);
    const job = this.run(q).catch((err) => {
      // A full disk is reported once for all runs (not once per run); the run does not count.
      if (isStorageError(err)) this.#o.health.failed("database", this.#o.database(), err);
      else this.#o.status(Severity.ERROR, `Error running scheduled query ${name}: ${(err as Error).message}`);
    }).finally(() => {
      this.#running.delete(name);
      this.#inflight.delete(job);
      // The batch may have been waiting for this run only.
      this.#batch.soon();
    });
    this.#inflight.add(job);
  }

  /** Waits up to `graceMs` for the runs under way. */
  async settle(graceMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all([...this.#inflight]), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }

  /** Commits the queued runs, then publishes the counters and ships the log lines, once. */
  flush(): Promise<void> {
    return this.#batch.flush();
  }

  /** Runs a live (distributed) query: on a query thread, or here when its state lives here (carves, events). */
  async runLive(sql: string): Promise<RunReply> {
    if (!this.#o.needsThisThread(sql)) return await this.#o.threads.run(sql);
    return this.#runHere(sql);
  }

  #runHere(sql: string, cursor?: EventCursor): RunReply {
    const started = performance.now();
    try {
      const run = () => this.#o.runHere(sql);
      const { rows, size } = cursor ? withEventCursor(cursor, run) : run();
      return localReply(rows, size, performance.now() - started);
    } catch (err) {
      return failedReply((err as Error).message, performance.now() - started);
    }
  }

  #bestEffort(write: () => Promise<unknown>): Promise<void> {
    return this.#o.health.bestEffort(this.#o.database(), write);
  }

  #markExecuting(name: string, tid: number): Promise<void> {
    return this.#bestEffort(() =>
      this.#o.store.set(["executing", name], { since: Date.now(), tid } satisfies ExecutingQuery)
    );
  }

  /** Runs one scheduled query and commits its results and log lines. */
  async run(q: ScheduledQuery): Promise<void> {
    const { store } = this.#o;
    const name = q.scheduledName;
    if (flags.bool("schedule_lognames")) this.#o.status(Severity.INFO, `Executing scheduled query ${name}`);
    this.#o.decorations.beforeQuery();
    // The state the run diffs against, read once: it is the `previous` the commit checks.
    const before = await store.getQuery(name);
    const sameQuery = before.value?.epoch === flags.number("schedule_epoch") && before.value?.sql === q.query;
    let reply: RunReply;
    const eventQuery = this.#o.needsThisThread(q.query);
    let cursor: EventCursor | undefined;
    if (eventQuery || this.#o.usesExtensionTable(q.query)) {
      // Event tables and the carver keep their state on this thread: such queries run here.
      await this.#markExecuting(name, Deno.pid);
      // A scheduled event query reads only the events it has not logged yet (osquery's
      // per-query cursor); the cursor moves in the run's own commit (see below).
      if (eventQuery && !q.snapshot && flags.bool("events_optimize")) {
        const from = sameQuery ? (await store.kv.get<Record<string, number>>(["event_cursor", name])).value : null;
        cursor = new EventCursor(from ?? {});
      }
      reply = this.#runHere(q.query, cursor);
    } else {
      const limit = flags.number("schedule_query_timeout");
      // The thread may diff against the rows it kept when they equal the committed ones and
      // nothing (epoch, SQL) asks for all rows again.
      const kept = sameQuery ? this.#threadRows.get(name) : undefined;
      reply = await this.#o.threads.run(q.query, {
        ...(limit > 0 ? { timeoutMs: limit * 1000 } : {}),
        // Without the mark a crash cannot be blamed on this query; the query still runs.
        onStart: (tid) => this.#markExecuting(name, tid),
        ...(q.snapshot ? {} : { name }),
        ...(kept ? { previous: kept } : {}),
      });
    }
    // Until this run commits, the thread's kept rows are not known to equal the stored ones.
    this.#threadRows.delete(name);
    const counters = this.#o.counters.get(name);
    if (counters) countRun(counters, reply);
    if (!reply.ok) {
      await this.#bestEffort(() => store.delete(["executing", name]));
      this.#o.status(Severity.ERROR, `Error executing scheduled query ${name}: ${reply.error}`);
      this.#published = false;
      this.#batch.soon();
      return;
    }
    const item: LogItem = {
      name,
      hostIdentifier: await this.#o.hostIdentifier(),
      unixTime: Math.floor(Date.now() / 1000),
      epoch: flags.number("schedule_epoch"),
      counter: 0,
      numerics: flags.bool("logger_numerics"),
      decorations: this.#o.decorations.current,
      decorationsTopLevel: flags.bool("decorations_top_level"),
    };
    if (q.snapshot) {
      const lines = snapshotLines(item, reply.rows, flags.bool("logger_snapshot_event_type"));
      await this.#batch.add({ name, previous: before, lines, category: "snapshot" });
      return;
    }
    const { run, rowsId } = await this.#differential(q, item, reply, before, eventQuery, cursor);
    await this.#batch.add(run);
    // Committed: the thread's kept rows (under rowsId) now equal the stored ones.
    if (rowsId) this.#threadRows.set(name, rowsId);
  }

  /**
   * The commit of a differential run: the diff against the stored rows (or the thread's diff
   * when it diffed against the same rows), the next state, and the lines to log.
   */
  async #differential(
    q: ScheduledQuery,
    item: LogItem,
    reply: RunReply,
    previous: Deno.KvEntryMaybe<StoredQuery>,
    eventQuery: boolean,
    cursor: EventCursor | undefined,
  ): Promise<{ run: RunCommit; rowsId: string | undefined }> {
    const { store } = this.#o;
    const name = q.scheduledName;
    let current = reply.rows;
    let knownDiff = reply.diff;
    let rowsId = reply.rowsId;
    if (knownDiff && (previous.value?.epoch !== item.epoch || previous.value.sql !== q.query)) {
      // The epoch changed during the run: every row is logged again, so the rows are needed.
      current = reply.rowsText !== undefined
        ? (reply.count ? reply.rowsText.split("\n") : [])
        : previous.value
        ? await store.previousRows(previous.value)
        : [];
      knownDiff = undefined;
      rowsId = undefined;
    }
    const prevRows = previous.value
      ? { state: previous.value, rows: knownDiff || cursor ? [] : await store.previousRows(previous.value) }
      : undefined;
    const step = eventQuery && flags.bool("events_optimize")
      ? nextEvents(name, prevRows, current, item.epoch, q.query)
      : nextResults(name, prevRows, current, item.epoch, q.query, q.removed, knownDiff);
    if (step.note) this.#o.status(Severity.INFO, step.note);
    item.counter = step.counter;
    let lines: string[] = [];
    if (step.log) {
      lines = flags.bool("logger_event_type") ? eventLines(item, step.diff) : [batchLine(item, step.diff)];
    }
    const storeText = step.storeRows && knownDiff !== undefined;
    const run: RunCommit = {
      name,
      previous,
      state: step.state,
      rows: step.storeRows && !storeText ? current : undefined,
      rowsText: storeText ? { text: reply.rowsText ?? "", count: reply.count ?? 0 } : undefined,
      blobId: rowsId !== previous.value?.blob ? rowsId : undefined,
      lines,
      category: "result",
      ...(cursor ? { extra: [[["event_cursor", name], cursor.next()]] } : {}),
    };
    return { run, rowsId };
  }

  /** After a flush: the database took writes again, the counters are published, the lines shipped. */
  async #afterFlush(runs: number, anyCommitted: boolean): Promise<void> {
    if (runs > 0) {
      if (anyCommitted) this.#o.health.ok("database", this.#o.database());
      this.#published = false;
    }
    if (!this.#published) {
      this.#published = true;
      try {
        await this.#o.publish();
      } catch (err) {
        this.#o.status(Severity.ERROR, `Error publishing the schedule's counters: ${(err as Error).message}`);
      }
    }
    if (runs > 0) await this.#o.ship();
  }
}
