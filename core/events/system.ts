/**
 * The event system: publishers read the kernel (inotify, netlink) on their own loops, and
 * subscribers turn what they publish into rows kept for the `*_events` tables, with osquery's
 * expiry (`--events_expiry`) and per-subscriber cap (`--events_max`).
 *
 * Events run in the daemon; the shell disables them (as osqueryi does), and querying an event
 * table then says so.
 *
 * @module
 */
import { defineFlag, flags } from "../flags.ts";
import type { QueryContext, Row } from "../table.ts";
import { OP } from "../table.ts";
import { oncePerStatement } from "../sqlite/statement_scope.ts";

defineFlag({
  name: "disable_events",
  type: "bool",
  default: false,
  description: "Turn off the event publishers and subscribers (the shell always does)",
});
defineFlag({
  name: "events_expiry",
  type: "uint64",
  default: 3600,
  description: "Seconds an event is kept before it expires (applied when an event table is queried)",
});
defineFlag({
  name: "events_max",
  type: "uint64",
  default: 50000,
  description: "Most events kept per subscriber; older ones are dropped first",
});
defineFlag({
  name: "events_optimize",
  type: "bool",
  default: true,
  description: "Scheduled queries of event tables read only events newer than their previous run",
});

/** A publisher: reads a kernel source and hands events to its subscribers. */
export interface EventPublisher {
  /** The publisher's name, e.g. "inotify", "udev". */
  readonly name: string;
  /** Starts reading; resolves once running (errors make it inactive, never crash the process). */
  start(): Promise<void>;
  /** Stops reading and releases kernel resources. */
  stop(): Promise<void>;
  /** True while running. */
  readonly active: boolean;
  /** How many times it (re)configured its sources. */
  readonly refreshes: number;
}

/** An event row as stored: the subscriber's columns plus `time` and `eid`. */
export type EventRow = Row & { time: number; eid: string };

/** Which flags bound a subscriber's store (syslog_events has its own). */
export interface SubscriberLimits {
  /** Flag with the seconds an event is kept (default `events_expiry`). */
  expiryFlag?: string;
  /** Flag with the most events kept (default `events_max`). */
  maxFlag?: string;
}

/** A subscriber: keeps the rows of one event table. */
export class EventSubscriber {
  /** The table this subscriber feeds (e.g. "file_events"). */
  readonly name: string;
  /** The publisher it listens to. */
  readonly publisher: string;
  /** Number of subscriptions (watched paths, device filters, ...). */
  subscriptions = 0;
  /** Events seen since start, including expired ones. */
  total = 0;
  readonly #rows: EventRow[] = [];
  #nextEid = 1;
  #warnedOverflow = false;
  readonly #expiryFlag: string;
  readonly #maxFlag: string;

  /** `limits` names the flags holding this subscriber's expiry and cap (default the global ones). */
  constructor(name: string, publisher: string, limits: SubscriberLimits = {}) {
    this.name = name;
    this.publisher = publisher;
    this.#expiryFlag = limits.expiryFlag ?? "events_expiry";
    this.#maxFlag = limits.maxFlag ?? "events_max";
  }

  /** Stores one event, stamping its time (now, unless given) and a sequential event id. */
  add(row: Row, time = Math.floor(Date.now() / 1000)): void {
    const eid = String(this.#nextEid++).padStart(10, "0");
    this.#rows.push({ ...row, time, eid });
    this.total++;
    const max = flags.number(this.#maxFlag);
    if (this.#rows.length > max) {
      this.#rows.splice(0, this.#rows.length - max);
      if (!this.#warnedOverflow) {
        this.#warnedOverflow = true;
        console.error(`W Expiring events for subscriber: ${this.name} (overflowed limit ${max})`);
      }
    }
  }

  /** Drops events older than `--events_expiry` seconds. */
  expire(now = Math.floor(Date.now() / 1000)): void {
    const cutoff = now - flags.number(this.#expiryFlag);
    let drop = 0;
    while (drop < this.#rows.length && this.#rows[drop].time < cutoff) drop++;
    if (drop) this.#rows.splice(0, drop);
  }

  /** Stored events within [from, to] (inclusive), oldest first. */
  rows(from = -Infinity, to = Infinity): EventRow[] {
    return this.#rows.filter((r) => r.time >= from && r.time <= to);
  }

  /** Number of stored events. */
  get size(): number {
    return this.#rows.length;
  }
}

/** The process-wide set of publishers and subscribers. */
export class EventSystem {
  readonly #publishers = new Map<string, EventPublisher>();
  readonly #subscribers = new Map<string, EventSubscriber>();
  #running = false;
  #stopping: Promise<void> | undefined;

  /** Registers a publisher (not started until {@linkcode EventSystem.start}). */
  addPublisher(publisher: EventPublisher): void {
    this.#publishers.set(publisher.name, publisher);
  }

  /** Registers (or returns) the subscriber feeding an event table. */
  subscriber(name: string, publisher: string, limits: SubscriberLimits = {}): EventSubscriber {
    let s = this.#subscribers.get(name);
    if (!s) this.#subscribers.set(name, s = new EventSubscriber(name, publisher, limits));
    return s;
  }

  /** Every publisher. */
  publishers(): EventPublisher[] {
    return [...this.#publishers.values()];
  }

  /** Every subscriber. */
  subscribers(): EventSubscriber[] {
    return [...this.#subscribers.values()];
  }

  /** True while publishers run. */
  get running(): boolean {
    return this.#running;
  }

  /** Starts every publisher unless `--disable_events`; a publisher that fails to start stays inactive. */
  async start(): Promise<void> {
    if (flags.bool("disable_events") || this.#running) return;
    this.#running = true;
    for (const p of this.#publishers.values()) {
      try {
        await p.start();
      } catch (err) {
        console.error(`W Event publisher ${p.name} failed to start: ${(err as Error).message}`);
      }
    }
  }

  /** Stops every publisher; a second call while stopping waits for the same stop. */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    if (!this.#running) return Promise.resolve();
    this.#running = false;
    this.#stopping = (async () => {
      for (const p of this.#publishers.values()) await p.stop().catch(() => {});
    })().finally(() => {
      this.#stopping = undefined;
    });
    return this.#stopping;
  }
}

/** The process-wide event system. */
export const events: EventSystem = new EventSystem();

/**
 * The rows of an event table for a query: expired events dropped, then the `time` constraints
 * (=, >, >=, <, <=) applied. Warns, as osquery does, when events are disabled (once per statement).
 */
export function eventTableRows(subscriber: EventSubscriber, ctx: QueryContext): EventRow[] {
  // Once per statement: a join scans an event table once per outer row.
  if (flags.bool("disable_events") && oncePerStatement(`events disabled: ${subscriber.name}`)) {
    console.error(`W Table ${subscriber.name} is event-based but events are disabled`);
  }
  subscriber.expire();
  let from = -Infinity;
  let to = Infinity;
  for (const c of ctx.constraints.get("time") ?? []) {
    const t = Number(c.value);
    if (!Number.isFinite(t)) continue;
    if (c.op === OP.EQUALS) {
      from = Math.max(from, t);
      to = Math.min(to, t);
    } else if (c.op === OP.GREATER_THAN) from = Math.max(from, t + 1);
    else if (c.op === OP.GREATER_THAN_OR_EQUALS) from = Math.max(from, t);
    else if (c.op === OP.LESS_THAN) to = Math.min(to, t - 1);
    else if (c.op === OP.LESS_THAN_OR_EQUALS) to = Math.min(to, t);
  }
  return subscriber.rows(from, to);
}
