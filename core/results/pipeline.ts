/**
 * The scheduled query's way to the logs: run it (on a query thread, or on this thread when its
 * tables keep their state here), canonicalize its rows, diff them against the previous result
 * in KV, and write the new state with the log lines in one atomic commit; the lines then wait
 * in the outbox for the loggers. Faces give it the threads, the loggers' shipping and the
 * counters' publishing; it owns the order of those steps.
 *
 * A differential query's rows come sorted by hash in four flat buffers (core/results/
 * sorted_rows.ts); the previous result stays in KV as chunks in the same order and is diffed
 * chunk by chunk (core/results/chunked_rows.ts); the lines are rendered in bounded batches
 * (core/results/log_batches.ts). So the previous result is never loaded whole, and a large
 * result is held once, as bytes, not as a string per row.
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
import "./flags.ts";
import { flags } from "../flags/flags.ts";
import type { ScheduledQuery } from "../config/config.ts";
import { eventStep, type LogItem, osqueryRowOrder, resultStep, snapshotLines } from "./diff.ts";
import type { RunCommit, Store, StoredQuery } from "../kv/store.ts";
import { prefetchRows, walkRows } from "./chunked_rows.ts";
import { renderLines } from "./log_batches.ts";
import { rowsBytes, rowsDigest, rowsSummary, rowTextAt, sameBytes, type SortedRows, sortRows } from "./sorted_rows.ts";
import type { QueryCounters } from "./scheduler.ts";
import { EventCursor, withEventCursor } from "../events/system.ts";
import { CommitBatch } from "./commit_batch.ts";
import { countRun } from "./counters.ts";
import type { Decorations } from "./decorations.ts";
import { failedReply, localReply, type QueryThreads, type RunReply } from "./reply.ts";
import { Severity, type StatusSink } from "./status.ts";
import { isStorageError, type StorageHealth } from "./storage_health.ts";
import { collectGarbage } from "../runtime/gc.ts";
import { trimMalloc } from "../host/malloc_trim.ts";

/** Rows of a result up to this many bytes are kept in memory to tell an unchanged next run. */
export const KEPT_ROWS_MAX = 1048576;
/** Bytes of rows kept for all scheduled queries together (the packs' results: ~0.3 MB). */
export const KEPT_ROWS_BUDGET = 8 * 1048576;

/**
 * Row text a run answers with from which its garbage is collected once its lines are shipped
 * (core/runtime/gc.ts: the daemon runs without V8's memory reducer).
 */
export const COLLECT_AFTER_BYTES = 2 * 1048576;

/** What a {@linkcode ResultPipeline} is wired to. */
export interface ResultPipelineOptions {
  store: Store;
  /** The query threads everything else runs on. */
  threads: QueryThreads;
  /** Canonical rows (core/results/diff.ts's text form) of `sql` run on this thread's engine. */
  runHere: (sql: string) => { rows: string[]; size: number };
  /** True when `sql` reads a table (carves, events kept here only) whose state lives on this thread. */
  needsThisThread: (sql: string) => boolean;
  /**
   * True when `sql` reads an event table: a scheduled run reads the events after its cursor,
   * here or on a query thread (default: {@linkcode ResultPipelineOptions.needsThisThread}).
   */
  readsEvents?: (sql: string) => boolean;
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
   * Per differential query, the summary of the rows its last commit left stored, that state's
   * versionstamp, and a copy of the rows (up to {@linkcode KEPT_ROWS_MAX} bytes, within
   * {@linkcode KEPT_ROWS_BUDGET} for all) or else, once a run came back with their summary, their
   * SHA-256 (up to 8 MiB): a run with the same rows against the same state changed nothing
   * (osquery stores and logs nothing then), so it skips reading and diffing the stored rows. Most
   * scheduled runs are such runs. Small results are compared byte for byte: WebCrypto's digest is
   * an asynchronous operation, so a digest woke this thread once more each run, and a wake of
   * Deno's event loop costs more CPU than the comparison. A larger result is digested only when
   * its summary says it may be unchanged, so one that changes every run is never digested.
   */
  readonly #stored = new Map<
    string,
    { summary: string; rows?: Uint8Array; digest?: Uint8Array; versionstamp: string }
  >();
  /** Bytes of rows kept in {@linkcode ResultPipeline.#stored}. */
  #keptBytes = 0;
  #host: { at: number; id: Promise<string> } | undefined;
  /** A run of at least {@linkcode COLLECT_AFTER_BYTES} finished since the last collection. */
  #largeGarbage = false;

  constructor(options: ResultPipelineOptions) {
    this.#o = options;
    this.#batch = new CommitBatch({
      store: options.store,
      inflight: () => this.#inflight.size,
      dirty: () => !this.#published,
      afterFlush: (runs, anyCommitted, anyLines) => this.#afterFlush(runs, anyCommitted, anyLines),
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
      // The run's counters changed (it ran) even when its results could not be written ahead:
      // osquery_schedule shows every execution, committed or not.
      this.#published = false;
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
    if (!this.#o.needsThisThread(sql)) {
      return await this.#o.threads.run(sql, this.#o.readsEvents?.(sql) ? { events: {} } : {});
    }
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

  /**
   * The host identifier, read at most once a second: the runs of one tick share it (the
   * hostname is a system call, ~60 µs a run).
   */
  #hostIdentifier(): Promise<string> {
    const now = Date.now();
    if (this.#host === undefined || now - this.#host.at >= 1000) this.#host = { at: now, id: this.#o.hostIdentifier() };
    return this.#host.id;
  }

  #bestEffort(write: () => Promise<unknown>): Promise<void> {
    return this.#o.health.bestEffort(this.#o.database(), write);
  }

  #markExecuting(name: string, tid: number): Promise<void> {
    // deno-lint-ignore require-await
    return this.#bestEffort(async () => this.#o.store.executing.set(name, { since: Date.now(), tid }));
  }

  /** Runs one scheduled query and commits its results and log lines. */
  async run(q: ScheduledQuery): Promise<void> {
    try {
      await this.#run(q);
    } finally {
      // After its commit (or its failure): a run on this thread no longer needs the watchdog's
      // blame (a query thread sets and clears its own marks, cmd/daemon/query_worker.ts).
      try {
        this.#o.store.executing.delete(q.scheduledName);
      } catch {
        // A full disk keeps the mark (the next write of the marks drops it).
      }
    }
  }

  async #run(q: ScheduledQuery): Promise<void> {
    const { store } = this.#o;
    const name = q.scheduledName;
    if (flags.bool("schedule_lognames")) this.#o.status(Severity.INFO, `Executing scheduled query ${name}`);
    this.#o.decorations.beforeQuery();
    // The state the run diffs against, read once: it is the `previous` the commit checks.
    const before = await store.getQuery(name);
    const sameQuery = before.value?.epoch === flags.number("schedule_epoch") && before.value?.sql === q.query;
    const known = this.#stored.get(name);
    const trusted = sameQuery && known?.versionstamp === before.versionstamp ? known : undefined;
    // A differential run's stored rows are read from the database while its query runs, unless
    // they are likely the same as this run's (then they are read only if they are not).
    const prefetch = q.snapshot || trusted?.rows || trusted?.digest
      ? undefined
      : prefetchRows(store.kv, name, before.value ?? undefined);
    let reply: RunReply;
    const eventQuery = (this.#o.readsEvents ?? this.#o.needsThisThread)(q.query);
    let cursor: EventCursor | undefined;
    // A scheduled event query reads only the events it has not logged yet (osquery's per-query
    // cursor), on whichever thread it runs; the cursor moves in the run's own commit (see below).
    if (eventQuery && !q.snapshot && flags.bool("events_optimize")) {
      const from = sameQuery ? (await store.kv.get<Record<string, number>>(["event_cursor", name])).value : null;
      cursor = new EventCursor(from ?? {});
    }
    if (this.#o.needsThisThread(q.query) || this.#o.usesExtensionTable(q.query)) {
      // The carver (and events when the threads cannot read the store) keep their state on
      // this thread: such queries run here.
      await this.#markExecuting(name, Deno.pid);
      reply = this.#runHere(q.query, cursor);
    } else {
      const limit = flags.number("schedule_query_timeout");
      reply = await this.#o.threads.run(q.query, {
        ...(limit > 0 ? { timeoutMs: limit * 1000 } : {}),
        // The thread marks the query as running while it runs it, for the watchdog's blame.
        mark: name,
        // A differential query's rows come back sorted, as flat buffers (an event run's are
        // its new events, all logged).
        ...(q.snapshot || cursor ? {} : { name }),
        ...(eventQuery ? { events: cursor ? { cursor: cursor.start() } : {} } : {}),
      });
      if (cursor && reply.eventCursor) cursor.readAll(reply.eventCursor);
      // A mark the thread could not write (a full disk) is reported as the daemon's own would be.
      if (reply.markError !== undefined) {
        this.#o.health.failed("database", this.#o.database(), new Error(reply.markError), false);
      }
    }
    const counters = this.#o.counters.get(name);
    if (counters) countRun(counters, reply);
    if (reply.size >= COLLECT_AFTER_BYTES) this.#largeGarbage = true;
    if (!reply.ok) {
      void prefetch?.cancel();
      this.#o.status(Severity.ERROR, `Error executing scheduled query ${name}: ${reply.error}`);
      this.#published = false;
      this.#batch.soon();
      return;
    }
    const item: LogItem = {
      name,
      hostIdentifier: await this.#hostIdentifier(),
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
    const current = reply.sorted ?? sortRows(reply.rows);
    const summary = eventQuery ? undefined : rowsSummary(current);
    // A result with the summary of the stored rows is likely the same: compared byte for byte
    // when they were kept, else by digest (which is taken only then, and kept for the next run).
    let digest: Uint8Array | undefined;
    if (summary !== undefined && summary === trusted?.summary) {
      const same = trusted.rows
        ? sameBytes(rowsBytes(current), trusted.rows)
        : (digest = await rowsDigest(current)) !== undefined && trusted.digest !== undefined &&
          sameBytes(digest, trusted.digest);
      if (same) {
        // The stored rows byte for byte: nothing added or removed, no state to store, no line.
        await this.#batch.add({ name, previous: before, lines: [], category: "result" });
        return;
      }
    }
    this.#forget(name);
    // Refused or failed, the store deletes what the run wrote ahead of its commit.
    await this.#batch.add(await this.#differential(q, item, current, before, eventQuery, cursor, prefetch));
    const after = summary !== undefined && await store.getQuery(name);
    if (after && after.versionstamp !== null) this.#remember(name, summary!, current, after.versionstamp, digest);
  }

  /** Keeps what a committed run stored, for the next run's comparison: its rows when they fit, else its digest if taken. */
  #remember(name: string, summary: string, current: SortedRows, versionstamp: string, digest?: Uint8Array): void {
    const bytes = rowsBytes(current);
    if (bytes.length <= KEPT_ROWS_MAX && this.#keptBytes + bytes.length <= KEPT_ROWS_BUDGET) {
      this.#keptBytes += bytes.length;
      this.#stored.set(name, { summary, rows: bytes.slice(), versionstamp });
    } else {
      this.#stored.set(name, { summary, ...(digest ? { digest } : {}), versionstamp });
    }
  }

  #forget(name: string): void {
    this.#keptBytes -= this.#stored.get(name)?.rows?.length ?? 0;
    this.#stored.delete(name);
  }

  /**
   * The commit of a differential run: the diff against the stored rows (walked chunk by chunk),
   * the next state with the chunks that changed (written ahead, unreferenced until the commit),
   * and the lines to log (written ahead in batches when there are many).
   */
  async #differential(
    q: ScheduledQuery,
    item: LogItem,
    current: SortedRows,
    previous: Deno.KvEntryMaybe<StoredQuery>,
    eventQuery: boolean,
    cursor: EventCursor | undefined,
    prefetch?: ReturnType<typeof prefetchRows>,
  ): Promise<RunCommit> {
    const { store } = this.#o;
    const name = q.scheduledName;
    const stored = previous.value ?? undefined;
    const newEpoch = !stored || stored.epoch !== item.epoch;
    const events = eventQuery && flags.bool("events_optimize");
    const walk = await walkRows(store.kv, name, stored, current, {
      // Removed rows are decoded only when they are logged.
      removedText: !newEpoch && !events && q.removed,
      readBlob: (id) => store.getBlob(id),
      prefetch,
    });
    try {
      // An event query's rows are the events new to it (its cursor): every one is logged.
      const step = events
        ? eventStep(name, stored, current.count, walk.update !== undefined, item.epoch, q.query)
        : resultStep(
          name,
          stored,
          { added: walk.added.length, removed: walk.removedCount, rows: current.count },
          item.epoch,
          q.query,
          q.removed,
        );
      if (step.note) this.#o.status(Severity.INFO, step.note);
      item.counter = step.counter;
      let rendered: { lines: string[]; lineBlobs?: { blob: string; count: number }[] } = { lines: [] };
      if (step.log) {
        // Every row in the query's order, or the added ones (their indexes, ascending).
        const which = step.allAdded ? undefined : walk.added;
        const added = (function* () {
          const n = which ? which.length : current.count;
          for (let k = 0; k < n; k++) yield rowTextAt(current, which ? which[k] : k);
        })();
        // osquery logs removed rows in the order of its multiset of previous rows.
        const removed = step.logRemoved ? osqueryRowOrder(walk.removed) : [];
        const total = removed.length + (which ? which.length : current.count);
        rendered = await renderLines(store, item, removed, added, flags.bool("logger_event_type"), total);
      }
      return {
        name,
        previous,
        state: step.state,
        rows: step.storeRows ? walk.update : undefined,
        ...rendered,
        category: "result",
        ...(cursor ? { extra: [[["event_cursor", name], cursor.next()]] } : {}),
      };
    } catch (err) {
      // Nothing will refer to the chunks written ahead.
      if (walk.update) await store.discardRows(walk.update).catch(() => {});
      throw err;
    }
  }

  /** After a flush: the database took writes again, the counters are published, new lines shipped. */
  async #afterFlush(runs: number, anyCommitted: boolean, anyLines: boolean): Promise<void> {
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
    // Only new lines need shipping: a failed shipment retries on its own (cmd/daemon/shipper.ts).
    if (anyLines) await this.#o.ship();
    if (this.#largeGarbage && this.#inflight.size === 0) {
      // The large result's rows, diff and lines are garbage now (the next run makes its own).
      this.#largeGarbage = false;
      collectGarbage();
      // What the collection freed outside V8's heap (the rows' buffers) goes back to the system.
      trimMalloc();
    }
  }
}
