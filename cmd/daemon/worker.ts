/**
 * The daemon's worker: loads the config, runs the schedule on query threads, turns each run
 * into differential results committed atomically with their log lines, and ships the lines.
 *
 * @module
 */
import "../../core/config/flags.ts";
import "../../plugins/logger/flags.ts";
import "./flags.ts";
import "../../tables/catalogue.ts";
import { flags } from "../../core/flags.ts";
import { Engine } from "../../core/engine.ts";
import { runtime } from "../../core/runtime.ts";
import {
  applyOptions,
  buildConfig,
  type Config,
  ConfigError,
  formatProblem,
  type ScheduledQuery,
} from "../../core/config/config.ts";
import { batchLine, eventLines, type LogItem, nextEvents, nextResults, snapshotLines } from "../../core/diff.ts";
import { type ExecutingQuery, openStore, type RunCommit, type Store } from "../../core/kv.ts";
import {
  checkDiscovery,
  denylistExpired,
  dueAt,
  type PackState,
  type Planned,
  publishSchedule,
  type QueryCounters,
  restoreSplay,
  TickClock,
} from "../../core/scheduler.ts";
import { createLoggers, type Logger, Severity, type StatusRecord } from "../../plugins/logger/logger.ts";
import { drainOutbox } from "../../plugins/logger/outbox.ts";
// The pipeline loggers (kafka_producer, aws_kinesis, aws_firehose) register themselves.
import "../../plugins/logger/pipelines.ts";
import { readConfigSources, resolvePack } from "../../plugins/config/filesystem.ts";
import { QueryPool, type QueryReply } from "./query_pool.ts";
import { runCanonical, runsOnMainThread } from "./canonical.ts";
import { applyTableSections, applyViews } from "./config_hooks.ts";
import { type ExtensionManager, startExtensionManager } from "../../core/extensions/manager.ts";
import { type ExtensionSupervisor, startAutoload, waitForRequiredExtensions } from "../../core/extensions/autoload.ts";
import { EventCursor, events, withEventCursor } from "../../core/events/system.ts";
import { auditPublisher, inotifyPublisher } from "../../core/events/publishers.ts";
import { fileSubscriptions } from "../../core/events/inotify.ts";
import { hostIdentifier } from "./identity.ts";
import { createRemote, type Remote, remotePlugins, withoutTls } from "../../plugins/remote.ts";
import { carveStore } from "../../core/carver/carves.ts";
import { type CarverService, startCarverService } from "../../core/carver/runner.ts";
import { EXIT_CATASTROPHIC, type WatchdogBlame } from "./run.ts";
import { BUILTIN_CONFIG, writableDir } from "./paths.ts";
import { ignoredFlagsMessage, newlyIgnoredFlags } from "../../core/flags_catalogue.ts";
import { applyTableSwitches } from "../../core/table_switches.ts";
import {
  chooseExtensionPlugins,
  type ExtensionPluginChoice,
  MissingPluginError,
  withoutNames,
} from "./extension_plugins.ts";
import { extensionConfigSources } from "../../plugins/config/extension.ts";
import { startExtensionDistributed } from "../../plugins/distributed/extension.ts";
import { KvRunningQueryStore, threadRunner } from "../../plugins/distributed/tls.ts";
import { ExtensionLogger } from "../../plugins/logger/extension.ts";
import { isStorageError, StorageHealth } from "./storage_health.ts";
import { describeProblem, unpreparedQueries } from "./dropped.ts";

const encoder = new TextEncoder();

/**
 * The source file (base name) and line of the code that called {@linkcode DaemonWorker.status},
 * for the glog prefix (`worker.ts:1010]`), read off a stack captured inside `status`.
 */
export function callerOf(stack: string | undefined): { file: string; line: number } {
  // Frame 0 is the message, frame 1 `status` itself, frame 2 its caller.
  const frame = (stack ?? "").split("\n")[2] ?? "";
  const m = /([^/\\\s()]+):(\d+):\d+\)?\s*$/.exec(frame);
  return m ? { file: m[1], line: Number(m[2]) } : { file: "worker.ts", line: 0 };
}

/** The running daemon worker. */
export class DaemonWorker {
  readonly store: Store;
  readonly loggers: Logger[];
  readonly engine = new Engine();
  readonly pool = new QueryPool();
  readonly clock = new TickClock();
  config: Config | undefined;
  planned: Planned[] = [];
  readonly packStates = new Map<string, PackState>();
  readonly counters = new Map<string, QueryCounters>();
  readonly running = new Set<string>();
  readonly started = new Set<string>();
  readonly deniedLogged = new Set<string>();
  decorations: Record<string, string> = {};
  readonly #intervalDecorations = new Map<number, Record<string, string>>();
  #loadDecorations: Record<string, string> = {};
  #shipping: Promise<void> | undefined;
  #shipAgain = false;
  #stopping = false;
  readonly #inflight = new Set<Promise<void>>();
  readonly #pending: { run: RunCommit; resolve: () => void; reject: (err: Error) => void }[] = [];
  #flushing: Promise<void> | undefined;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** Longest a finished run waits for others to share its commit. */
  readonly #batchMs = 1000;
  /**
   * Per scheduled query, the id under which the query thread keeps rows equal to the committed
   * ones (set after each commit, dropped while a run is under way).
   */
  readonly #threadRows = new Map<string, string>();
  /** False when the counters changed since the last publish. */
  #published = true;
  #lastRefresh = 0;
  #views: string[] = [];
  #extensions: ExtensionManager | undefined;
  /** Status lines logged before {@linkcode DaemonWorker.attachLoggers}. */
  #early: StatusRecord[] | undefined = [];
  #autoload: ExtensionSupervisor | undefined;
  /** Denylist (name → until), loaded once and kept in step with the store. */
  #denied: Map<string, number> | undefined;
  /** Database and log write outages (a full disk): reported once, the schedule goes on. */
  readonly health = new StorageHealth((severity, message) => this.status(severity, message));
  /** The database path and log directory, for status messages. */
  where = { database: "", logs: "" };
  #shipRetry: ReturnType<typeof setTimeout> | undefined;
  #shipFailures = 0;

  constructor(store: Store, loggers: Logger[]) {
    this.store = store;
    this.loggers = loggers;
    if (loggers.length > 0) this.#early = undefined;
  }

  /**
   * Runs a database write the schedule can do without (marks, splay, expiry cleanup): a full
   * disk is reported and the schedule goes on. Other errors propagate.
   */
  async #bestEffort(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (!isStorageError(err)) throw err;
      this.health.failed("database", this.where.database, err, false);
    }
  }

  /** A status message to the loggers (and stderr by severity). */
  status(severity: number, message: string): void {
    if (severity < flags.number("logger_min_status") && !flags.bool("verbose")) return;
    const { file, line } = callerOf(new Error().stack);
    const record = { severity, message, file, line, time: new Date() };
    // Before the loggers exist (extensions starting), keep the lines for them (bounded).
    if (this.#early && this.#early.length < 1000) this.#early.push(record);
    for (const l of this.loggers) {
      try {
        l.logStatus(record);
      } catch {
        // A failing status sink must not stop the schedule.
      }
    }
    const toStderr = flags.bool("logger_stderr") &&
      (severity >= Severity.WARNING || flags.bool("verbose")) && severity >= flags.number("logger_min_stderr");
    if (toStderr) Deno.stderr.writeSync(encoder.encode(`${"IWEF"[severity]} ${message}\n`));
  }

  /** The extension manager, once {@linkcode DaemonWorker.startExtensions} started it. */
  get extensionManager(): ExtensionManager | undefined {
    return this.#extensions;
  }

  /**
   * Adds the loggers (made once extensions could provide some) and gives them the status lines
   * logged before they existed.
   */
  attachLoggers(loggers: Logger[]): void {
    this.loggers.push(...loggers);
    const early = this.#early ?? [];
    this.#early = undefined;
    for (const record of early) {
      for (const l of loggers) {
        try {
          l.logStatus(record);
        } catch {
          // A failing status sink must not stop the schedule.
        }
      }
    }
  }

  /**
   * Serves the extension manager socket and starts autoloaded extensions (unless
   * --disable_extensions). Extension tables live in this thread's registry, so queries that
   * use them run here rather than on a query thread.
   */
  async startExtensions(): Promise<void> {
    if (flags.bool("disable_extensions")) return;
    const log = (m: string) => this.status(Severity.INFO, m);
    try {
      this.#extensions = startExtensionManager(this.engine, { log });
    } catch (err) {
      this.status(Severity.ERROR, `The extension manager did not start: ${(err as Error).message}`);
      return;
    }
    try {
      this.#autoload = startAutoload({ log });
      await waitForRequiredExtensions(this.#extensions);
    } catch (err) {
      this.status(Severity.ERROR, `Extensions: ${(err as Error).message}`);
    }
  }

  #usesExtensionTable(sql: string): boolean {
    if (!this.#extensions) return false;
    for (const m of sql.matchAll(/\b([A-Za-z_]\w*)\b/g)) {
      const owner = this.engine.registry.tableOwner(m[1]);
      if (owner !== undefined && owner !== "core") return true;
    }
    return false;
  }

  /** Where the config comes from: --config_path, or the TLS server with --config_plugin=tls. */
  configSources: () => Promise<{ name: string; text: string }[]> = readSources;

  /** Loads (or reloads) the config; on failure the previous one stays. Returns true on success. */
  async loadConfig(sources = this.configSources()): Promise<boolean> {
    let config: Config;
    try {
      config = buildConfig(await sources, { resolvePack });
    } catch (err) {
      if (err instanceof ConfigError) {
        for (const p of err.problems) this.status(Severity.ERROR, `Config error: ${formatProblem(p)}`);
        return false;
      }
      throw err;
    }
    for (const p of config.problems) {
      const message = formatProblem({ ...p, message: describeProblem(p) });
      this.status(p.severity === "error" ? Severity.ERROR : Severity.WARNING, `Config: ${message}`);
    }
    if (config.sources.length > 0 && config.problems.some((p) => p.severity === "error" && p.path === "(top level)")) {
      if (this.config) {
        this.status(Severity.ERROR, "The new config does not parse; the last good config stays in effect.");
        return false;
      }
    }
    applyOptions(config);
    this.config = config;
    runtime.configHash = config.hash;
    runtime.configValid = !config.problems.some((p) => p.severity === "error");
    // Sections first: auto_table_construction tables and views exist before discovery queries
    // run and before queries are checked.
    const sections = Object.fromEntries(config.sections);
    for (const failure of applyTableSections(sections)) {
      this.status(Severity.WARNING, `Config section ${failure}`);
    }
    const views = [...config.views];
    for (const failure of applyViews(this.engine, views, this.#views)) {
      this.status(Severity.WARNING, `Config view ${failure}`);
    }
    this.#views = views.map(([name]) => name);
    this.pool.configure(sections, views);
    const planned: Planned[] = [];
    for (const pack of config.packs) {
      if (!this.packStates.has(`${pack.name}\0${pack.source}`)) {
        this.packStates.set(`${pack.name}\0${pack.source}`, {
          active: false,
          checkedAt: 0,
          executions: 0,
          cacheHits: 0,
        });
      }
      if (!pack.applicable) continue;
      // As osquery does when a pack is added: run its discovery now (later ticks use the cache).
      checkDiscovery(
        pack,
        this.packStates.get(`${pack.name}\0${pack.source}`)!,
        Math.floor(Date.now() / 1000),
        (sql) => this.engine.query(sql).length,
      );
      for (const query of pack.queries) {
        const splayed = await restoreSplay(
          {
            get: (n) => this.store.get<string>(["splay", n]),
            set: (n, v) => this.#bestEffort(() => this.store.set(["splay", n], v)),
          },
          query.scheduledName,
          query.interval,
        );
        planned.push({ query, pack, splayed });
      }
    }
    this.planned = planned;
    // Queries whose SQL does not prepare run (and fail) as in osquery, but are named now.
    for (const p of unpreparedQueries(config, this.engine)) {
      this.status(p.severity === "error" ? Severity.ERROR : Severity.WARNING, `Config: ${formatProblem(p)}`);
    }
    for (const p of planned) {
      if (!this.counters.has(p.query.scheduledName)) this.counters.set(p.query.scheduledName, emptyCounters(p.query));
      const c = this.counters.get(p.query.scheduledName)!;
      c.query = p.query.query;
      c.interval = p.query.interval;
    }
    for (const name of [...this.counters.keys()]) {
      if (!planned.some((p) => p.query.scheduledName === name)) this.counters.delete(name);
    }
    this.#configureEvents(config);
    this.#loadDecorations = this.#runDecorators(config.decorators.load);
    this.#intervalDecorations.clear();
    this.#mergeDecorations({});
    await this.publish();
    return true;
  }

  #configureEvents(config: Config): void {
    if (flags.bool("disable_events")) return;
    const filePaths = (config.sections.get("file_paths") ?? {}) as Record<string, string[]>;
    const accesses = (config.sections.get("file_accesses") ?? []) as string[];
    const excludes = (config.sections.get("exclude_paths") ?? {}) as Record<string, string[]>;
    try {
      inotifyPublisher.configure(fileSubscriptions(filePaths, accesses, excludes));
      auditPublisher.configureFilePaths(filePaths);
    } catch (err) {
      this.status(Severity.WARNING, `File events could not be configured: ${(err as Error).message}`);
    }
    if (!events.running) {
      // Event buffers live in the store: events that reached a subscriber survive a restart.
      events.start(this.store.kv).catch((err) =>
        this.status(Severity.WARNING, `Events did not start: ${(err as Error).message}`)
      );
    }
  }

  #runDecorators(sqls: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    if (flags.bool("disable_decorators")) return out;
    for (const sql of sqls) {
      try {
        const rows = this.engine.query(sql);
        if (rows.length > 1) this.status(Severity.WARNING, `Multiple rows returned for decorator query: ${sql}`);
        const first = rows[0];
        if (!first) continue;
        for (const [k, v] of Object.entries(first)) {
          out[k] = v === null ? "" : v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v);
        }
      } catch (err) {
        this.status(Severity.WARNING, `Decorator query failed (${sql}): ${(err as Error).message}`);
      }
    }
    return out;
  }

  #mergeDecorations(always: Record<string, string>): void {
    const merged: Record<string, string> = { ...this.#loadDecorations };
    for (const d of this.#intervalDecorations.values()) Object.assign(merged, d);
    Object.assign(merged, always);
    this.decorations = merged;
  }

  /** Publishes counters for osquery_schedule / osquery_packs. */
  async publish(): Promise<void> {
    this.#denied ??= new Map((await this.store.list<number>(["denylist"])).map((e) => [String(e.key[1]), e.value]));
    for (const c of this.counters.values()) c.denylisted = this.#denied.has(c.name);
    publishSchedule({
      queries: [...this.counters.values()],
      packs: (this.config?.packs ?? []).map((p) => {
        const s = this.packStates.get(`${p.name}\0${p.source}`)!;
        return {
          name: p.name,
          platform: p.platform,
          version: p.version,
          shard: p.shard,
          discoveryCacheHits: s.cacheHits,
          discoveryExecutions: s.executions,
          active: p.applicable && (p.discovery.length === 0 || s.active),
        };
      }),
    });
  }

  /** Recovers from the previous process: undo half-written logs, ship pending lines, note crashed queries. */
  async recover(watchdogEnabled: boolean): Promise<void> {
    // On a full disk the intent stays and is undone at the next attempt.
    for (const l of this.loggers) await this.#bestEffort(() => l.recover());
    await this.ship();
    await this.#bestEffort(() => this.store.collectGarbage());
    const blameText = Deno.env.get("OSQ_WATCHDOG_BLAME");
    const blame = blameText ? JSON.parse(blameText) as WatchdogBlame : undefined;
    const leftovers = await this.store.list<ExecutingQuery>(["executing"]);
    // The watchdog names the thread that burned the most CPU; when no running query was on it,
    // every query that was running is suspect (osquery's rule, with one query at a time).
    const matched = blame ? leftovers.some((e) => e.value.tid === blame.tid) : false;
    for (const e of leftovers) {
      const name = String(e.key[1]);
      this.status(Severity.WARNING, `Scheduled query may have failed: ${name}`);
      const guilty = !blame || !matched || e.value.tid === blame.tid;
      if (blame && guilty) {
        this.status(
          Severity.WARNING,
          `Scheduled query ${name} was running when the watchdog stopped the worker (${blame.reason}); ` +
            `its thread used ${blame.threadCpuMs} ms CPU, the worker ${Math.round(blame.rss / 1048576)} MB`,
        );
      }
      if (watchdogEnabled && guilty) {
        const until = Math.floor(Date.now() / 1000) + 86400;
        await this.#bestEffort(() => this.store.set(["denylist", name], until));
        this.#denied?.set(name, until);
        this.status(Severity.WARNING, `Denylisting scheduled query ${name} for 86400 seconds`);
      }
      await this.#bestEffort(() => this.store.delete(["executing", name]));
    }
  }

  /** True when the query may run now (denylist expiry as osquery decides it). */
  async #allowed(q: ScheduledQuery): Promise<boolean> {
    this.#denied ??= new Map((await this.store.list<number>(["denylist"])).map((e) => [String(e.key[1]), e.value]));
    const until = this.#denied.get(q.scheduledName);
    if (until === undefined) return true;
    if (denylistExpired(until, Date.now() / 1000, q)) {
      this.status(Severity.INFO, `Scheduled denylisted query has expired: ${q.scheduledName}`);
      await this.#bestEffort(() => this.store.delete(["denylist", q.scheduledName]));
      this.#denied.delete(q.scheduledName);
      this.deniedLogged.delete(q.scheduledName);
      return true;
    }
    if (!this.deniedLogged.has(q.scheduledName)) {
      this.deniedLogged.add(q.scheduledName);
      this.status(Severity.WARNING, `Skipping denylisted scheduled query: ${q.scheduledName}`);
    }
    return false;
  }

  /** One tick: launch the due queries, run interval decorators, maybe refresh the config. */
  async tick(i: number): Promise<void> {
    if (watcherGone()) {
      this.status(Severity.WARNING, "The watchdog process is gone; the worker stops");
      this.clock.stop();
      return;
    }
    for (const p of dueAt(i, this.planned, this.started)) {
      const name = p.query.scheduledName;
      if (this.running.has(name)) continue; // the previous run is still going
      const state = this.packStates.get(`${p.pack.name}\0${p.pack.source}`)!;
      if (!checkDiscovery(p.pack, state, i, (sql) => this.engine.query(sql).length)) continue;
      if (!(await this.#allowed(p.query))) continue;
      this.running.add(name);
      const job = this.runQuery(p.query).catch((err) => {
        // A full disk is reported once for all runs (not once per run); the run does not count.
        if (isStorageError(err)) this.health.failed("database", this.where.database, err);
        else this.status(Severity.ERROR, `Error running scheduled query ${name}: ${(err as Error).message}`);
      }).finally(() => {
        this.running.delete(name);
        this.#inflight.delete(job);
        // The batch may have been waiting for this run only.
        this.#flushSoon();
      });
      this.#inflight.add(job);
    }
    if (i % 60 === 0 && this.config) {
      for (const [interval, sqls] of this.config.decorators.interval) {
        if (i % interval === 0) this.#intervalDecorations.set(interval, this.#runDecorators(sqls));
      }
    }
    const refresh = flags.number("config_refresh");
    if (refresh > 0) {
      if (this.#lastRefresh === 0) this.#lastRefresh = i;
      else if (i - this.#lastRefresh >= refresh) {
        this.#lastRefresh = i;
        await this.loadConfig();
      }
    }
  }

  /** Runs a live (distributed) query: on a query thread, or here when its state lives here (carves, events). */
  async runLive(sql: string): Promise<QueryReply> {
    if (!runsOnMainThread(this.engine, sql)) return await this.pool.run(sql);
    const started = performance.now();
    try {
      const { rows, size } = runCanonical(this.engine, sql);
      return { id: 0, ok: true, rows, size, wallMs: performance.now() - started, userMs: 0, systemMs: 0, memory: 0 };
    } catch (err) {
      const wallMs = performance.now() - started;
      return {
        id: 0,
        ok: false,
        error: (err as Error).message,
        rows: [],
        size: 0,
        wallMs,
        userMs: 0,
        systemMs: 0,
        memory: 0,
      };
    }
  }

  /** Runs one scheduled query and commits its results and log lines. */
  async runQuery(q: ScheduledQuery): Promise<void> {
    const name = q.scheduledName;
    if (flags.bool("schedule_lognames")) this.status(Severity.INFO, `Executing scheduled query ${name}`);
    const always = this.#runDecorators(this.config?.decorators.always ?? []);
    this.#mergeDecorations(always);
    let reply: QueryReply;
    const eventQuery = runsOnMainThread(this.engine, q.query);
    let cursor: EventCursor | undefined;
    if (eventQuery || this.#usesExtensionTable(q.query)) {
      // Event tables and the carver keep their state on this thread: such queries run here.
      await this.#bestEffort(() =>
        this.store.set(["executing", name], { since: Date.now(), tid: Deno.pid } satisfies ExecutingQuery)
      );
      // A scheduled event query reads only the events it has not logged yet (osquery's
      // per-query cursor); the cursor moves in the run's own commit (see below).
      if (eventQuery && !q.snapshot && flags.bool("events_optimize")) {
        const before = await this.store.getQuery(name);
        const same = before.value?.epoch === flags.number("schedule_epoch") && before.value?.sql === q.query;
        const from = same ? (await this.store.kv.get<Record<string, number>>(["event_cursor", name])).value : null;
        cursor = new EventCursor(from ?? {});
      }
      const started = performance.now();
      try {
        const run = () => runCanonical(this.engine, q.query);
        const { rows, size } = cursor ? withEventCursor(cursor, run) : run();
        reply = { id: 0, ok: true, rows, size, wallMs: performance.now() - started, userMs: 0, systemMs: 0, memory: 0 };
      } catch (err) {
        reply = {
          id: 0,
          ok: false,
          error: (err as Error).message,
          rows: [],
          size: 0,
          wallMs: performance.now() - started,
          userMs: 0,
          systemMs: 0,
          memory: 0,
        };
      }
    } else {
      const limit = flags.number("schedule_query_timeout");
      // The thread may diff against the rows it kept when they equal the committed ones and
      // nothing (epoch, SQL) asks for all rows again.
      const before = await this.store.getQuery(name);
      const kept = before.value && before.value.epoch === flags.number("schedule_epoch") &&
          before.value.sql === q.query
        ? this.#threadRows.get(name)
        : undefined;
      reply = await this.pool.run(q.query, {
        ...(limit > 0 ? { timeoutMs: limit * 1000 } : {}),
        // Without the mark a crash cannot be blamed on this query; the query still runs.
        onStart: (tid) =>
          this.#bestEffort(() =>
            this.store.set(["executing", name], { since: Date.now(), tid } satisfies ExecutingQuery)
          ),
        ...(q.snapshot ? {} : { name }),
        ...(kept ? { previous: kept } : {}),
      });
    }
    // Until this run commits, the thread's kept rows are not known to equal the stored ones.
    this.#threadRows.delete(name);
    this.#record(name, reply);
    if (!reply.ok) {
      await this.#bestEffort(() => this.store.delete(["executing", name]));
      this.status(Severity.ERROR, `Error executing scheduled query ${name}: ${reply.error}`);
      this.#published = false;
      this.#flushSoon();
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const item: LogItem = {
      name,
      hostIdentifier: await hostIdentifier(this.store),
      unixTime: now,
      epoch: flags.number("schedule_epoch"),
      counter: 0,
      numerics: flags.bool("logger_numerics"),
      decorations: this.decorations,
      decorationsTopLevel: flags.bool("decorations_top_level"),
    };
    const previous = await this.store.getQuery(name);
    if (q.snapshot) {
      const lines = snapshotLines(item, reply.rows, flags.bool("logger_snapshot_event_type"));
      await this.#commit({ name, previous, lines, category: "snapshot" });
    } else {
      let current = reply.rows;
      let knownDiff = reply.diff;
      let rowsId = reply.rowsId;
      if (knownDiff && (previous.value?.epoch !== item.epoch || previous.value.sql !== q.query)) {
        // The epoch changed during the run: every row is logged again, so the rows are needed.
        current = reply.rowsText !== undefined
          ? (reply.count ? reply.rowsText.split("\n") : [])
          : previous.value
          ? await this.store.previousRows(previous.value)
          : [];
        knownDiff = undefined;
        rowsId = undefined;
      }
      const prevRows = previous.value
        ? { state: previous.value, rows: knownDiff || cursor ? [] : await this.store.previousRows(previous.value) }
        : undefined;
      const step = eventQuery && flags.bool("events_optimize")
        ? nextEvents(name, prevRows, current, item.epoch, q.query)
        : nextResults(name, prevRows, current, item.epoch, q.query, q.removed, knownDiff);
      if (step.note) this.status(Severity.INFO, step.note);
      item.counter = step.counter;
      let lines: string[] = [];
      if (step.log) {
        lines = flags.bool("logger_event_type") ? eventLines(item, step.diff) : [batchLine(item, step.diff)];
      }
      const storeText = step.storeRows && knownDiff !== undefined;
      await this.#commit({
        name,
        previous,
        state: step.state,
        rows: step.storeRows && !storeText ? current : undefined,
        rowsText: storeText ? { text: reply.rowsText ?? "", count: reply.count ?? 0 } : undefined,
        blobId: rowsId !== previous.value?.blob ? rowsId : undefined,
        lines,
        category: "result",
        ...(cursor ? { extra: [[["event_cursor", name], cursor.next()]] } : {}),
      });
      // Committed: the thread's kept rows (under rowsId) now equal the stored ones.
      if (rowsId) this.#threadRows.set(name, rowsId);
    }
  }

  /**
   * Queues a run's commit; resolves once it is committed (the query stays "running" until
   * then, so its next run reads the state this one stores). Runs that finish close together
   * share commits: one flush when every query in flight is waiting here, or after at most
   * `#batchMs`. Each run is still atomic on its own (see Store.commitRuns).
   */
  #commit(run: RunCommit): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ run, resolve, reject });
      this.#flushSoon();
    });
  }

  /** Flushes now when nothing else in flight can join the batch, else within `#batchMs`. */
  #flushSoon(): void {
    if (this.#pending.length === 0 && this.#published) return;
    if (this.#pending.length >= this.#inflight.size) {
      void this.flush();
      return;
    }
    this.#flushTimer ??= setTimeout(() => void this.flush(), this.#batchMs);
  }

  /** Commits the queued runs, then publishes the counters and ships the log lines, once. */
  flush(): Promise<void> {
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const next = (this.#flushing ?? Promise.resolve()).then(() => this.#flushNow());
    this.#flushing = next;
    void next.finally(() => {
      if (this.#flushing === next) this.#flushing = undefined;
    });
    return next;
  }

  async #flushNow(): Promise<void> {
    const batch = this.#pending.splice(0);
    if (batch.length) {
      let outcomes: (bigint | undefined | Error)[];
      try {
        outcomes = await this.store.commitRuns(batch.map((b) => b.run));
      } catch (err) {
        outcomes = batch.map(() => err as Error);
      }
      batch.forEach((b, i) => {
        const outcome = outcomes[i];
        if (outcome instanceof Error) b.reject(outcome);
        else b.resolve();
      });
      if (outcomes.some((o) => !(o instanceof Error))) this.health.ok("database", this.where.database);
      this.#published = false;
    }
    if (!this.#published) {
      this.#published = true;
      try {
        await this.publish();
      } catch (err) {
        this.status(Severity.ERROR, `Error publishing the schedule's counters: ${(err as Error).message}`);
      }
    }
    if (batch.length) await this.ship();
  }

  #record(name: string, r: QueryReply): void {
    const c = this.counters.get(name);
    if (!c) return;
    c.executions++;
    c.lastExecuted = Math.floor(Date.now() / 1000);
    c.outputSize += r.size;
    c.lastWallTimeMs = Math.round(r.wallMs);
    c.wallTimeMs += c.lastWallTimeMs;
    c.lastUserTime = r.userMs;
    c.userTime += r.userMs;
    c.lastSystemTime = r.systemMs;
    c.systemTime += r.systemMs;
    c.lastMemory = r.memory;
    c.averageMemory = Math.round((c.averageMemory * (c.executions - 1) + r.memory) / c.executions);
  }

  /** Ships pending outbox entries (one shipper at a time; a request during a run reruns it). */
  ship(): Promise<void> {
    if (this.#shipping) {
      this.#shipAgain = true;
      return this.#shipping;
    }
    this.#shipping = (async () => {
      do {
        this.#shipAgain = false;
        try {
          // Only lines actually written show the logs take writes again (an empty outbox says nothing).
          if (await drainOutbox(this.store, this.loggers) > 0) this.health.ok("logs", this.where.logs);
          this.#shipFailures = 0;
        } catch (err) {
          await this.#shipFailed(err);
          break;
        }
      } while (this.#shipAgain);
    })().finally(() => (this.#shipping = undefined));
    return this.#shipping;
  }

  /**
   * Shipping failed: undo a log write whose shipped mark was not committed (so it is not
   * written twice), report, and try again later even if no run commits meanwhile.
   */
  async #shipFailed(err: unknown): Promise<void> {
    for (const l of this.loggers) {
      try {
        await l.recover();
      } catch {
        // The intent stays: the next start (or attempt) undoes the write.
      }
    }
    if (isStorageError(err)) this.health.failed("logs", this.where.logs, err);
    else this.status(Severity.ERROR, `Error logging results: ${(err as Error).message}`);
    if (this.#stopping || this.#shipRetry !== undefined) return;
    const delay = Math.min(60_000, 1000 * 2 ** Math.min(6, this.#shipFailures++));
    this.#shipRetry = setTimeout(() => {
      this.#shipRetry = undefined;
      void this.ship();
    }, delay);
  }

  /** Runs the schedule until stopped or --schedule_timeout passes. */
  async run(): Promise<void> {
    const timeout = flags.number("schedule_timeout");
    const end = timeout > 0 ? this.clock.tick + timeout : 0;
    await this.tick(this.clock.tick);
    while (!this.#stopping && await this.clock.next()) {
      await this.tick(this.clock.tick);
      if (end > 0 && this.clock.tick > end) {
        this.status(Severity.INFO, `The scheduler ended after ${timeout} seconds`);
        break;
      }
    }
  }

  /** Stops the schedule: no new queries; running ones may finish within `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    this.clock.stop();
    const all = Promise.all([...this.#inflight]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    // Queries still running past the grace period are interrupted, then their threads end.
    this.pool.interruptAll();
    this.pool.close();
    await this.flush();
    await events.stop().catch(() => {});
    await this.#autoload?.stop().catch(() => {});
    await this.#extensions?.stop().catch(() => {});
    this.#autoload = undefined;
    this.#extensions = undefined;
    await this.ship();
    if (this.#shipRetry !== undefined) clearTimeout(this.#shipRetry);
    this.#shipRetry = undefined;
  }

  /** Releases everything. */
  close(): void {
    if (this.#shipRetry !== undefined) clearTimeout(this.#shipRetry);
    this.#shipRetry = undefined;
    this.engine.close();
    for (const l of this.loggers) l.close();
    this.store.close();
  }
}

/** True when this worker's supervisor has died (the worker must not outlive it). */
function watcherGone(): boolean {
  const watcher = Number(Deno.env.get("OSQ_WATCHER_PID") ?? 0);
  if (!watcher) return false;
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== watcher;
  } catch {
    return false;
  }
}

function emptyCounters(q: ScheduledQuery): QueryCounters {
  return {
    name: q.scheduledName,
    query: q.query,
    interval: q.interval,
    executions: 0,
    lastExecuted: 0,
    denylisted: false,
    outputSize: 0,
    wallTimeMs: 0,
    lastWallTimeMs: 0,
    userTime: 0,
    lastUserTime: 0,
    systemTime: 0,
    lastSystemTime: 0,
    averageMemory: 0,
    lastMemory: 0,
  };
}

/** Config sources from --config_path; the built-in schedule when no config file exists. */
export function readSources(): Promise<{ name: string; text: string }[]> {
  const path = flags.string("config_path");
  try {
    Deno.statSync(path);
  } catch {
    return Promise.resolve([{ name: "built-in", text: BUILTIN_CONFIG }]);
  }
  return Promise.resolve(readConfigSources(path));
}

/** Runs the worker role; resolves to the exit status. */
export async function runWorker(): Promise<number> {
  const watchdogEnabled = !flags.bool("disable_watchdog") && Deno.env.get("OSQ_DAEMON_ROLE") === "worker";
  let dbPath: string;
  let ephemeralDir: string | undefined;
  if (flags.bool("disable_database")) dbPath = ":memory:";
  else if (flags.bool("ephemeral")) {
    ephemeralDir = Deno.makeTempDirSync({ prefix: "osqd-" });
    dbPath = `${ephemeralDir}/osquery.db`;
  } else {
    const wanted = flags.string("database_path");
    const dir = writableDir(wanted.slice(0, wanted.lastIndexOf("/")) || "/", "db");
    dbPath = dir === wanted.slice(0, wanted.lastIndexOf("/")) ? wanted : `${dir}/osquery.db`;
    if (dbPath !== wanted) {
      Deno.stderr.writeSync(encoder.encode(`osq daemon: ${wanted} is not writable; using the database ${dbPath}\n`));
    }
  }
  // One daemon per database: a worker left over from a killed supervisor exits within a tick;
  // until then the new one waits here instead of writing beside it.
  let lock: Deno.FsFile | undefined;
  if (dbPath !== ":memory:") {
    lock = Deno.openSync(`${dbPath}.lock`, { read: true, write: true, create: true, mode: 0o600 });
    const waiting = setTimeout(
      () => Deno.stderr.writeSync(encoder.encode(`osq daemon: waiting for another daemon using ${dbPath}\n`)),
      3000,
    );
    await lock.lock(true);
    clearTimeout(waiting);
  }
  let store: Store;
  for (let delay = 1000, waiting = false;; delay = Math.min(60_000, delay * 2)) {
    try {
      store = await openStore(dbPath);
      if (waiting) Deno.stderr.writeSync(encoder.encode(`osq daemon: the database ${dbPath} opened; starting\n`));
      break;
    } catch (err) {
      // A full disk passes: wait for room (SIGTERM still stops the wait) rather than exit for
      // good. Anything else is not helped by a restart.
      if (!isStorageError(err)) {
        Deno.stderr.writeSync(encoder.encode(`osq daemon: ${(err as Error).message}\n`));
        return EXIT_CATASTROPHIC;
      }
      if (!waiting) {
        Deno.stderr.writeSync(encoder.encode(
          `osq daemon: ${(err as Error).message}; its filesystem looks full: waiting for room, retrying ` +
            `with back-off (the schedule starts once the database opens)\n`,
        ));
      }
      waiting = true;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  const instance = await store.get<typeof runtime.instanceId>(["meta", "instance_id"]);
  if (instance) runtime.instanceId = instance;
  else await store.set(["meta", "instance_id"], runtime.instanceId);

  // The worker exists first: as osqueryd, the daemon starts the extension manager and waits for
  // autoloaded extensions before it enrolls, reads the config or starts logging, so
  // osquery_info reports the manager active at enrollment and extensions' config, logger and
  // distributed plugins can serve the daemon. Loggers join the worker below.
  const current: { worker?: DaemonWorker } = {};
  const worker = current.worker = new DaemonWorker(store, []);
  applyTableSwitches(worker.engine.registry);
  // osquery flags set here that osq does not act on are named once in the status log.
  const reportIgnored = () => {
    const ignored = newlyIgnoredFlags();
    if (ignored.length > 0) worker.status(Severity.INFO, ignoredFlagsMessage(ignored));
  };
  await worker.startExtensions();
  let fromExtensions: ExtensionPluginChoice;
  try {
    fromExtensions = await chooseExtensionPlugins(
      worker.extensionManager,
      (message) => worker.status(Severity.ERROR, message),
    );
  } catch (err) {
    if (!(err instanceof MissingPluginError)) throw err;
    Deno.stderr.writeSync(encoder.encode(`osq daemon: ${err.message}\n`));
    await worker.stop(0);
    worker.close();
    return EXIT_CATASTROPHIC;
  }
  const manager = worker.extensionManager;

  // The TLS server (Fleet and the like): config, logger, live queries and carve uploads.
  const wanted = remotePlugins();
  const remote: Remote | undefined = wanted.any
    ? createRemote({
      engine: () => current.worker?.engine,
      kv: store.kv,
      hostIdentifier: () => hostIdentifier(store),
      onStatus: (severity, message) =>
        current.worker
          ? current.worker.status(severity, message)
          : Deno.stderr.writeSync(encoder.encode(`osq daemon: ${message}\n`)),
      runQuery: (sql) => current.worker!.runLive(sql),
    })
    : undefined;
  const sources = fromExtensions.config && manager
    ? () => extensionConfigSources(manager, fromExtensions.config!)
    : wanted.config && remote
    ? () => remote.configSources()
    : readSources;
  const firstSources = sources();
  // Reported (with the file or endpoint) by loadConfig below.
  firstSources.catch(() => {});
  const noConfig = !wanted.config && !fromExtensions.config && (() => {
    try {
      Deno.statSync(flags.string("config_path"));
      return false;
    } catch {
      return true;
    }
  })();
  // Config options may set logger flags: apply them before the loggers start (as osquery does).
  try {
    applyOptions(buildConfig(await firstSources, { resolvePack }));
  } catch {
    // An unreadable config is reported by loadConfig below.
  }
  const logDir = writableDir(flags.string("logger_path"), "log");
  if (logDir !== flags.string("logger_path").replace(/\/+$/, "")) flags.set("logger_path", logDir, "runtime");
  let loggers: Logger[];
  try {
    const names = withoutNames(flags.string("logger_plugin"), fromExtensions.loggers);
    const others = withoutTls(names);
    const context = {
      status: (severity: number, message: string) =>
        current.worker
          ? current.worker.status(severity, message)
          : Deno.stderr.writeSync(encoder.encode(`osq daemon: ${message}\n`)),
    };
    loggers = others || !wanted.logger ? createLoggers(wanted.logger ? others : names, store, context) : [];
    if (wanted.logger && remote) loggers.push(remote.logger());
    for (const name of fromExtensions.loggers) {
      const logger = new ExtensionLogger(manager!, name, {
        onError: (message) => Deno.stderr.writeSync(encoder.encode(`osq daemon: ${message}\n`)),
      });
      try {
        await logger.init();
      } catch (err) {
        context.status(Severity.ERROR, `Logger plugin ${name} did not initialize: ${(err as Error).message}`);
      }
      loggers.push(logger);
    }
  } catch (err) {
    Deno.stderr.writeSync(encoder.encode(`osq daemon: ${(err as Error).message}\n`));
    await remote?.close();
    await worker.stop(0);
    worker.close();
    return EXIT_CATASTROPHIC;
  }
  worker.attachLoggers(loggers);
  worker.where = { database: dbPath, logs: logDir };
  worker.configSources = sources;
  if (noConfig) {
    Deno.stderr.writeSync(encoder.encode(
      `osq daemon: no config at ${flags.string("config_path")}; running the built-in schedule.` +
        (flags.string("logger_plugin").includes("filesystem")
          ? ` Results go to ${logDir}/osqueryd.results.log\n`
          : "\n"),
    ));
  }
  await worker.recover(watchdogEnabled);
  await worker.loadConfig(firstSources);
  const distributed = fromExtensions.distributed && manager
    ? startExtensionDistributed({
      manager,
      plugin: fromExtensions.distributed,
      run: threadRunner((sql) => worker.runLive(sql)),
      running: new KvRunningQueryStore(store.kv),
      onStatus: (severity, message) => worker.status(severity, message),
    })
    : remote?.startDistributed();
  let carver: CarverService | undefined;
  if (remote) {
    carver = await startCarverService({
      store: carveStore,
      kv: store.kv,
      uploader: remote.carveUploader(),
      nodeKey: () => remote.nodeKey(),
      onStatus: (severity, message) => worker.status(severity, message),
    });
  }
  worker.status(Severity.INFO, `osqd started: ${worker.planned.length} scheduled queries, database ${dbPath}`);
  reportIgnored();

  let exit = 0;
  // Live queries and carves stop first: they use the query threads the worker closes.
  // A carve still uploading is left PENDING after a few seconds: the next start runs it again.
  const stop = async () => {
    const grace = Math.max(10, flags.number("alarm_timeout")) * 1000 - 2000;
    await distributed?.stop();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([carver?.stop(), new Promise((r) => (timer = setTimeout(r, Math.min(3000, grace / 2))))]);
    clearTimeout(timer);
    await worker.stop(grace);
  };
  const onTerm = () => void stop();
  const onHup = () => {
    worker.status(Severity.INFO, "Reloading the config (SIGHUP)");
    void worker.loadConfig().then((ok) => {
      if (ok) {
        worker.status(
          Severity.INFO,
          `The new config took effect: ${worker.planned.length} scheduled queries, config hash ${runtime.configHash}`,
        );
      }
      reportIgnored();
    });
  };
  Deno.addSignalListener("SIGTERM", onTerm);
  Deno.addSignalListener("SIGINT", onTerm);
  Deno.addSignalListener("SIGHUP", onHup);
  try {
    await worker.run();
    await stop();
  } catch (err) {
    worker.status(Severity.ERROR, `The daemon stopped: ${(err as Error).message}`);
    exit = 1;
  } finally {
    Deno.removeSignalListener("SIGTERM", onTerm);
    Deno.removeSignalListener("SIGINT", onTerm);
    Deno.removeSignalListener("SIGHUP", onHup);
    await distributed?.stop();
    await carver?.stop();
    await remote?.close();
    worker.close();
    lock?.close();
    if (ephemeralDir) Deno.removeSync(ephemeralDir, { recursive: true });
  }
  return exit;
}
