/**
 * The daemon's worker: loads the config, keeps the schedule's clock and counters, and hands
 * each due query to the result pipeline (core/results), which runs it, diffs it, commits it
 * and hands its lines to the loggers' outbox; this face wires the loggers, extensions and
 * events to it.
 *
 * @module
 */
import "../../core/config/flags.ts";
import "../../plugins/logger/flags.ts";
import "./flags.ts";
// Tables by schema; a table's module loads when the config or a live query names it (table_loading.ts).
import "../../tables/lazy_catalogue.ts";
import { flags } from "../../core/flags/flags.ts";
import { Engine } from "../../core/engine.ts";
import { runtime } from "../../core/runtime/process.ts";
import { applyOptions, buildConfig, type Config, ConfigError, formatProblem } from "../../core/config/config.ts";
import type { Store } from "../../core/kv/store.ts";
import {
  checkDiscovery,
  dueAt,
  type PackState,
  type Planned,
  publishSchedule,
  type QueryCounters,
  restoreSplay,
  TickClock,
} from "../../core/results/scheduler.ts";
import type { Logger } from "../../plugins/logger/logger.ts";
import { resolvePack } from "../../plugins/config/filesystem.ts";
import { QueryPool } from "./query_pool.ts";
import { runCanonical } from "../../core/results/canonical_rows.ts";
import {
  QueryReferences,
  readsEventTable,
  readsExtensionTable,
  runsOnMainThread,
} from "../../core/results/thread_choice.ts";
import { applyTableSections, applyViews } from "./config_hooks.ts";
import { type ExtensionManager, startExtensionManager } from "../../core/extensions/manager.ts";
import { type ExtensionSupervisor, startAutoload, waitForRequiredExtensions } from "../../core/extensions/autoload.ts";
import { events } from "../../core/events/system.ts";
import { auditPublisher, inotifyPublisher } from "../../core/events/publishers.ts";
import { fileSubscriptions } from "../../core/events/inotify.ts";
import { hostIdentifier } from "./identity.ts";
import { describeProblem, unpreparedQueries } from "./dropped.ts";
import { readSources } from "./config_sources.ts";
import { Shipper } from "./shipper.ts";
import { emptyCounters } from "../../core/results/counters.ts";
import { Decorations } from "../../core/results/decorations.ts";
import { Denylist, type WatchdogBlame } from "../../core/results/denylist.ts";
import { ResultPipeline } from "../../core/results/pipeline.ts";
import type { RunReply } from "../../core/results/reply.ts";
import { Severity, type StatusSink } from "../../core/results/status.ts";
import { StorageHealth } from "../../core/results/storage_health.ts";
import { StatusLog } from "./status_log.ts";
import { loadTablesForConfig } from "./table_loading.ts";

/** The running daemon worker. */
export class DaemonWorker {
  readonly store: Store;
  readonly loggers: Logger[];
  readonly engine = new Engine();
  /** The tables each query names, prepared once per query text (every run asks where it runs). */
  readonly #references = new QueryReferences(this.engine);
  readonly pool: QueryPool;
  readonly clock = new TickClock();
  config: Config | undefined;
  planned: Planned[] = [];
  readonly packStates = new Map<string, PackState>();
  readonly counters = new Map<string, QueryCounters>();
  readonly started = new Set<string>();
  #stopping = false;
  #lastRefresh = 0;
  #views: string[] = [];
  #extensions: ExtensionManager | undefined;
  #autoload: ExtensionSupervisor | undefined;
  readonly #log: StatusLog;
  /** A status message to the loggers (and stderr by severity). */
  readonly status: StatusSink;
  /** Database and log write outages (a full disk): reported once, the schedule goes on. */
  readonly health: StorageHealth;
  /** The database path and log directory, for status messages. */
  where = { database: "", logs: "" };
  readonly decorations: Decorations;
  readonly #shipper: Shipper;
  readonly #denylist: Denylist;
  /** Run → canonicalize → diff → atomic commit → outbox, for every scheduled query. */
  readonly results: ResultPipeline;

  constructor(store: Store, loggers: Logger[]) {
    this.store = store;
    this.loggers = loggers;
    this.pool = new QueryPool(undefined, { marksPath: store.executing.path });
    this.#log = new StatusLog(loggers);
    // Bound, not wrapped: the status line names the code that logged it (callerOf).
    const status = this.status = this.#log.status.bind(this.#log);
    this.health = new StorageHealth(status);
    this.decorations = new Decorations(this.engine, status);
    this.#shipper = new Shipper(store, loggers, this.health, () => this.where.logs, status);
    this.#denylist = new Denylist(store, (write) => this.#bestEffort(write), status);
    this.results = new ResultPipeline({
      store,
      threads: this.pool,
      runHere: (sql) => runCanonical(this.engine, sql),
      needsThisThread: (sql) => runsOnMainThread(this.#references, sql),
      readsEvents: (sql) => readsEventTable(this.#references, sql),
      usesExtensionTable: (sql) => this.#extensions !== undefined && readsExtensionTable(this.#references, sql),
      hostIdentifier: () => hostIdentifier(store),
      decorations: this.decorations,
      counters: this.counters,
      health: this.health,
      database: () => this.where.database,
      status,
      publish: () => this.publish(),
      ship: () => this.ship(),
    });
  }

  /**
   * Runs a database write the schedule can do without (marks, splay, expiry cleanup): a full
   * disk is reported and the schedule goes on. Other errors propagate.
   */
  #bestEffort(write: () => Promise<unknown>): Promise<void> {
    return this.health.bestEffort(this.where.database, write);
  }

  /** The extension manager, once {@linkcode DaemonWorker.startExtensions} started it. */
  get extensionManager(): ExtensionManager | undefined {
    return this.#extensions;
  }

  /** Adds the loggers (made once extensions could provide some); they get the lines logged so far. */
  attachLoggers(loggers: Logger[]): void {
    this.#log.attach(loggers);
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
    await loadTablesForConfig(this.engine.registry, config);
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
    // A query naming a view now reads other tables.
    this.#references.clear();
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
    for (const p of await unpreparedQueries(config, this.engine)) {
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
    this.decorations.loaded(config.decorators);
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
      // The query threads open the same file to read them (core/events/stored.ts).
      events.start(this.store.kv, this.where.database).catch((err) =>
        this.status(Severity.WARNING, `Events did not start: ${(err as Error).message}`)
      );
    }
  }

  /** Publishes counters for osquery_schedule / osquery_packs. */
  async publish(): Promise<void> {
    for (const c of this.counters.values()) c.denylisted = await this.#denylist.has(c.name);
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
    await this.#denylist.recover(watchdogEnabled, blameText ? JSON.parse(blameText) as WatchdogBlame : undefined);
  }

  /** One tick: launch the due queries, run interval decorators, maybe refresh the config. */
  async tick(i: number): Promise<void> {
    if (watcherGone()) {
      this.status(Severity.WARNING, "The watchdog process is gone; the worker stops");
      this.clock.stop();
      return;
    }
    for (const p of dueAt(i, this.planned, this.started)) {
      if (this.results.isRunning(p.query.scheduledName)) continue; // the previous run is still going
      const state = this.packStates.get(`${p.pack.name}\0${p.pack.source}`)!;
      if (!checkDiscovery(p.pack, state, i, (sql) => this.engine.query(sql).length)) continue;
      if (!(await this.#denylist.allowed(p.query))) continue;
      this.results.start(p.query);
    }
    if (this.config) this.decorations.tick(i, this.config.decorators.interval);
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
  async runLive(sql: string): Promise<RunReply> {
    await this.engine.registry.loadTablesFor(sql);
    return await this.results.runLive(sql);
  }

  /** Commits the queued runs, then publishes the counters and ships the log lines, once. */
  flush(): Promise<void> {
    return this.results.flush();
  }

  /** Ships pending outbox entries (one shipper at a time; a request during a run reruns it). */
  ship(): Promise<void> {
    return this.#shipper.ship();
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

  /** Stops the schedule (running queries may finish within `graceMs`); loggers drop standing intents. */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    this.#shipper.stopRetrying();
    this.clock.stop();
    await this.results.settle(graceMs);
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
    this.#shipper.cancelRetry();
    for (const l of this.loggers) await this.#bestEffort(() => l.settle?.() ?? Promise.resolve());
  }

  /** Releases everything. */
  close(): void {
    this.#shipper.cancelRetry();
    this.#references.close();
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
