/**
 * osquery's scheduled-query denylist: a query that was running when the worker died (the
 * `["executing", name]` mark its run left) is suspected, and with the watchdog on it is kept
 * from running for a day, unless the watchdog named another thread as the culprit. The list
 * lives in KV (`["denylist", name]` → until, in seconds) and survives restarts.
 *
 * @module
 */
import type { ScheduledQuery } from "../config/config.ts";
import type { ExecutingQuery, Store } from "../kv/store.ts";
import { denylistExpired } from "./scheduler.ts";
import { Severity, type StatusSink } from "./status.ts";

/** What the supervisor tells the next worker about why the previous one was stopped. */
export interface WatchdogBlame {
  tid: number;
  reason: string;
  threadCpuMs: number;
  rss: number;
}

/** How long a suspected query stays denylisted (osquery's default). */
const DENY_SECONDS = 86400;

/** The denylist, loaded once and kept in step with the store. */
export class Denylist {
  readonly #store: Store;
  readonly #bestEffort: (write: () => Promise<unknown>) => Promise<void>;
  readonly #status: StatusSink;
  #denied: Map<string, number> | undefined;
  /** Denylisted queries already reported as skipped (once each). */
  readonly #logged = new Set<string>();

  /** `bestEffort` runs a write the schedule can do without (a full disk is reported, not thrown). */
  constructor(store: Store, bestEffort: (write: () => Promise<unknown>) => Promise<void>, status: StatusSink) {
    this.#store = store;
    this.#bestEffort = bestEffort;
    this.#status = status;
  }

  async #load(): Promise<Map<string, number>> {
    this.#denied ??= new Map((await this.#store.list<number>(["denylist"])).map((e) => [String(e.key[1]), e.value]));
    return this.#denied;
  }

  /** True when `name` is on the list (for osquery_schedule.denylisted). */
  async has(name: string): Promise<boolean> {
    return (await this.#load()).has(name);
  }

  /** True when the query may run now (denylist expiry as osquery decides it). */
  async allowed(q: ScheduledQuery): Promise<boolean> {
    const denied = await this.#load();
    const until = denied.get(q.scheduledName);
    if (until === undefined) return true;
    if (denylistExpired(until, Date.now() / 1000, q)) {
      this.#status(Severity.INFO, `Scheduled denylisted query has expired: ${q.scheduledName}`);
      await this.#bestEffort(() => this.#store.delete(["denylist", q.scheduledName]));
      denied.delete(q.scheduledName);
      this.#logged.delete(q.scheduledName);
      return true;
    }
    if (!this.#logged.has(q.scheduledName)) {
      this.#logged.add(q.scheduledName);
      this.#status(Severity.WARNING, `Skipping denylisted scheduled query: ${q.scheduledName}`);
    }
    return false;
  }

  /**
   * After a restart: names the queries that were running when the previous worker died,
   * denylists the suspects (with the watchdog on) and clears their marks.
   */
  async recover(watchdogEnabled: boolean, blame: WatchdogBlame | undefined): Promise<void> {
    // The marks file, and marks a store written before it kept in the database.
    const stored = await this.#store.list<ExecutingQuery>(["executing"]);
    const leftovers = [
      ...stored,
      ...this.#store.executing.leftovers().map(([name, value]) => ({ key: ["executing", name], value })),
    ];
    // The watchdog names the thread that burned the most CPU; when no running query was on it,
    // every query that was running is suspect (osquery's rule, with one query at a time).
    const matched = blame ? leftovers.some((e) => e.value.tid === blame.tid) : false;
    for (const e of leftovers) {
      const name = String(e.key[1]);
      this.#status(Severity.WARNING, `Scheduled query may have failed: ${name}`);
      const guilty = !blame || !matched || e.value.tid === blame.tid;
      if (blame && guilty) {
        this.#status(
          Severity.WARNING,
          `Scheduled query ${name} was running when the watchdog stopped the worker (${blame.reason}); ` +
            `its thread used ${blame.threadCpuMs} ms CPU, the worker ${Math.round(blame.rss / 1048576)} MB`,
        );
      }
      if (watchdogEnabled && guilty) {
        const until = Math.floor(Date.now() / 1000) + DENY_SECONDS;
        await this.#bestEffort(() => this.#store.set(["denylist", name], until));
        this.#denied?.set(name, until);
        this.#status(Severity.WARNING, `Denylisting scheduled query ${name} for ${DENY_SECONDS} seconds`);
      }
      if (stored.some((e) => e.key[1] === name)) await this.#bestEffort(() => this.#store.delete(["executing", name]));
    }
    // deno-lint-ignore require-await
    await this.#bestEffort(async () => this.#store.executing.clearLeftovers());
  }
}
