/**
 * osquery's scheduler: a 1-second tick counting unix seconds; a query runs when
 * `tick % splayed_interval == 0` (runs align to wall-clock multiples), or once at startup when
 * it has a `startup_priority`. Splayed intervals are drawn once per query and persisted as
 * `interval:splay`; packs with discovery queries run only while discovery returns rows (cached
 * for `--pack_refresh_interval`). The loop never waits for a query: `launch` hands it off.
 *
 * @module
 */
import { defineFlag, flags } from "../flags/flags.ts";
import type { Pack, ScheduledQuery } from "../config/config.ts";

defineFlag({
  name: "schedule_timeout",
  type: "uint64",
  default: 0,
  description: "Stop the schedule after this many seconds (0 = run forever).",
});
defineFlag({
  name: "schedule_max_drift",
  type: "uint64",
  default: 60,
  description: "Seconds the tick may fall behind before it gives up catching up.",
});
defineFlag({
  name: "schedule_epoch",
  type: "uint64",
  default: 0,
  description: "Epoch of differential results; changing it logs every row as added again.",
});
defineFlag({
  name: "schedule_lognames",
  type: "bool",
  default: false,
  description: "Log the name of each scheduled query as it runs.",
});
defineFlag({
  name: "schedule_query_timeout",
  type: "uint64",
  default: 0,
  description: "osq: stop a scheduled query that runs longer than this many seconds (0 = no limit).",
});
defineFlag({
  name: "schedule_reload",
  type: "uint64",
  default: 3600,
  description: "Seconds between resets of database state caches.",
});

/** osquery's splay: a uniform draw in [max(1, i - i·p/100), i + i·p/100]. */
export function splayValue(interval: number, percent: number, random = Math.random): number {
  if (percent === 0 || percent > 100) return interval;
  const diff = Math.floor(interval * (percent / 100));
  const max = interval + diff;
  const min = Math.max(1, interval - diff);
  if (max === min) return max;
  return min + Math.floor(random() * (max - min + 1));
}

/** The effective splay percent (osquery resets values ≤ 1 to 10). */
export function splayPercent(): number {
  const p = flags.number("schedule_splay_percent");
  return p <= 1 ? 10 : p;
}

/** Persisted splay values: `"interval:splay"` per query name. */
export interface SplayStore {
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
}

/** The stored splay when the interval is unchanged, else a new draw (stored). */
export async function restoreSplay(store: SplayStore, name: string, interval: number): Promise<number> {
  const saved = await store.get(name);
  if (saved) {
    const [i, s] = saved.split(":").map(Number);
    if (i === interval && s > 0) return s;
  }
  const splay = splayValue(interval, splayPercent());
  await store.set(name, `${interval}:${splay}`);
  return splay;
}

/** A query ready for the loop. */
export interface Planned {
  query: ScheduledQuery;
  pack: Pack;
  splayed: number;
}

/** Discovery state of a pack (osquery_packs counters). */
export interface PackState {
  active: boolean;
  checkedAt: number;
  executions: number;
  cacheHits: number;
}

/**
 * Whether a pack's discovery allows it to run now, using the cached answer within
 * `--pack_refresh_interval`. `run` returns the row count of a discovery query (throws on error).
 */
export function checkDiscovery(pack: Pack, state: PackState, now: number, run: (sql: string) => number): boolean {
  if (pack.discovery.length === 0) {
    state.active = pack.applicable;
    return state.active;
  }
  if (state.checkedAt > 0 && now - state.checkedAt < flags.number("pack_refresh_interval")) {
    state.cacheHits++;
    return state.active;
  }
  state.executions++;
  state.checkedAt = now;
  let active = pack.applicable;
  for (const sql of pack.discovery) {
    if (!active) break;
    try {
      active = run(sql) > 0;
    } catch {
      active = false;
    }
  }
  state.active = active;
  return active;
}

/** The queries due at tick `i`: interval multiples, plus startup-priority queries not yet run. */
export function dueAt(i: number, planned: readonly Planned[], started: Set<string>): Planned[] {
  const due: Planned[] = [];
  for (const p of planned) {
    const name = p.query.scheduledName;
    const startup = p.query.startupPriority !== Number.MAX_SAFE_INTEGER && !started.has(name);
    if ((p.splayed > 0 && i % p.splayed === 0) || startup) {
      started.add(name);
      due.push(p);
    }
  }
  return due;
}

/**
 * The tick clock: `next()` resolves at the next second boundary of the schedule, keeping the
 * tick count in step with unix time unless it fell more than `--schedule_max_drift` behind.
 */
export class TickClock {
  #tick: number;
  #base: number;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | undefined;

  constructor(now = Date.now()) {
    this.#tick = Math.floor(now / 1000);
    this.#base = this.#tick * 1000;
  }

  /** The current tick (unix seconds at the schedule's pace). */
  get tick(): number {
    return this.#tick;
  }

  /** Waits for the next tick; resolves false when stopped. */
  async next(): Promise<boolean> {
    if (this.#stopped) return false;
    this.#tick++;
    const target = this.#tick * 1000;
    let wait = target - Date.now();
    if (-wait > flags.number("schedule_max_drift") * 1000) {
      // Too far behind: give up catching up, continue from now.
      this.#tick = Math.floor(Date.now() / 1000);
      wait = 0;
    }
    if (wait > 0) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        this.#timer = setTimeout(resolve, wait);
      });
    }
    return !this.#stopped;
  }

  /** Stops the clock (a pending `next` resolves false). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#wake?.();
  }

  /** The tick the schedule started at. */
  get started(): number {
    return this.#base / 1000;
  }
}

/**
 * osquery's denylist expiry: a denylisted query may run again once its time has passed, or at
 * once when the query asks not to be denylisted (`"denylist": false`).
 */
export function denylistExpired(until: number, now: number, query: { denylist: boolean }): boolean {
  return now > until || !query.denylist;
}

/** Live counters of one scheduled query (osquery_schedule). */
export interface QueryCounters {
  name: string;
  query: string;
  interval: number;
  executions: number;
  lastExecuted: number;
  denylisted: boolean;
  outputSize: number;
  wallTimeMs: number;
  lastWallTimeMs: number;
  userTime: number;
  lastUserTime: number;
  systemTime: number;
  lastSystemTime: number;
  averageMemory: number;
  lastMemory: number;
}

/** Live state of one pack (osquery_packs). */
export interface PackCounters {
  name: string;
  platform: string;
  version: string;
  shard: number;
  discoveryCacheHits: number;
  discoveryExecutions: number;
  active: boolean;
}

/** What the daemon publishes for its tables. */
export interface ScheduleSnapshot {
  queries: QueryCounters[];
  packs: PackCounters[];
}

/**
 * The schedule state is shared with query threads through a SharedArrayBuffer: the daemon
 * publishes JSON after each change; table generators (on any thread) read it synchronously.
 * Layout: Int32 [0] = sequence (odd while writing), [1] = byte length; bytes from offset 8.
 */
let shared: SharedArrayBuffer | undefined;

/** Creates (or returns) the buffer; pass it to query threads with {@linkcode adoptScheduleBuffer}. */
export function scheduleBuffer(size = 8 * 1024 * 1024): SharedArrayBuffer {
  shared ??= new SharedArrayBuffer(size);
  return shared;
}

/** Uses a buffer created by the daemon's main thread. */
export function adoptScheduleBuffer(buffer: SharedArrayBuffer): void {
  shared = buffer;
}

/** Publishes the schedule state (silently truncated to the buffer: too large → not published). */
export function publishSchedule(snapshot: ScheduleSnapshot): void {
  const buf = scheduleBuffer();
  const bytes = new TextEncoder().encode(JSON.stringify(snapshot));
  if (bytes.length + 8 > buf.byteLength) return;
  const head = new Int32Array(buf, 0, 2);
  Atomics.add(head, 0, 1);
  new Uint8Array(buf, 8, bytes.length).set(bytes);
  Atomics.store(head, 1, bytes.length);
  Atomics.add(head, 0, 1);
}

/** The last published schedule state, or undefined when no daemon runs in this process. */
export function readSchedule(): ScheduleSnapshot | undefined {
  if (!shared) return undefined;
  const head = new Int32Array(shared, 0, 2);
  for (let attempt = 0; attempt < 100; attempt++) {
    const seq = Atomics.load(head, 0);
    if (seq % 2 === 1) continue;
    const length = Atomics.load(head, 1);
    if (length === 0) return undefined;
    const copy = new Uint8Array(length);
    copy.set(new Uint8Array(shared, 8, length));
    if (Atomics.load(head, 0) !== seq) continue;
    return JSON.parse(new TextDecoder().decode(copy)) as ScheduleSnapshot;
  }
  return undefined;
}
