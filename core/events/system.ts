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
// The event flags live in their own module, so faces that only parse them (the shell) skip this one.
import "./flags.ts";
import { flags } from "../flags/flags.ts";
import type { QueryContext, Row } from "../table.ts";
import { OP, TableError } from "../table.ts";
import { oncePerStatement } from "../sqlite/statement_scope.ts";

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

/** How long a reader may keep a subscriber's stored events, and how many. */
export interface StoredEventLimits {
  /** Seconds an event is kept (the subscriber's expiry flag). */
  expiry: number;
  /** Most events kept (the subscriber's cap flag). */
  max: number;
}

/** Most bytes of event JSON one KV value holds (values are limited to 64 KiB). */
const BATCH_BYTES = 56_000;
/** Deno KV's limits on one atomic operation, with margin. */
const MAX_MUTATIONS = 900;
const MAX_COMMIT_BYTES = 700_000;
/** Eids reserved ahead in the store, so a restart never reuses one a killed process handed out. */
const EID_RESERVE = 100_000;
/** How soon new events are written to the store, in ms (a burst goes in one flush). */
const FLUSH_MS = 200;
/**
 * How often the stored events are swept for expiry when no new ones arrive, in ms. Readers apply
 * expiry and cap themselves ({@linkcode StoredEventLimits}): the sweep only bounds the store.
 */
const SWEEP_MS = 60_000;

/** One stored batch of events: `["events", table, firstEid]` → these rows, as JSON. */
export interface StoredBatch {
  /** Last eid in the batch (the key holds the first). */
  last: number;
  /** Newest event time in the batch, for expiry. */
  time: number;
  rows: string;
}

/**
 * A subscriber: keeps the rows of one event table. In memory for the queries of this thread;
 * with a store attached (the daemon), also in Deno KV, written in batches every
 * {@linkcode FLUSH_MS} ms, so events survive a restart or a kill:
 * - `["events", table, firstEid]` — {@linkcode StoredBatch}: consecutive events as JSON
 * - `["events_floor", table]` — the oldest eid still kept (events below it expired or were
 *   capped away; a batch partly below it is trimmed on load and deleted once wholly below)
 * - `["events_next", table]` — eids below it may have been handed out: a restart starts there
 * Expiry and `--events_max` apply to both, the floor moving in the same commits as the writes.
 */
export class EventSubscriber {
  /** The table this subscriber feeds (e.g. "file_events"). */
  readonly name: string;
  /** The publisher it listens to. */
  readonly publisher: string;
  /**
   * Counts its subscriptions (watched paths, device filters, ...) when `osquery_events` asks: the
   * table module sets it once, so the count is current whichever thread last read the table.
   */
  countSubscriptions: () => number = () => 0;
  /** Events seen since start, including expired ones. */
  total = 0;
  /**
   * The kept events' eids and times, `[#head..]`, oldest first: dropping the oldest is O(1),
   * compacted now and then. Expiry, the cap and the floor work on these alone.
   */
  #eids: number[] = [];
  #times: number[] = [];
  #head = 0;
  /**
   * The kept rows themselves, aligned with `#eids`, until a store is attached. From then on a
   * row lives in the store's batch text (`#batches`) once written, and as its JSON text in
   * `#pending` until then: a burst of events keeps one string per event (then per batch) in
   * memory, not an object per event and one per column value that V8's collector copies and
   * marks again and again while they wait for the flush (~15 µs of CPU an event during a burst
   * when whole batches were kept as objects; the collector still took ~5.6 µs an event, in a
   * profile of a 100,000-event burst, when only the waiting ones were).
   */
  #rows: EventRow[] = [];
  #rowsInMemory = true;
  #nextEid = 1;
  #warnedOverflow = false;
  readonly #expiryFlag: string;
  readonly #maxFlag: string;
  /** Rows added since the last flush (only with a store), as JSON with their eids and times. */
  #pending = new PendingRows();
  /** Rows a flush is writing now (readable until they are in `#batches`). */
  #writing = new PendingRows();
  /**
   * Called when a first event waits to be written (the event system then flushes in
   * {@linkcode FLUSH_MS}): an idle subscriber sets no timer.
   */
  onPending: (() => void) | undefined;
  #kv: Deno.Kv | undefined;
  /** Stored batches, oldest first: first eid, last eid, and the batch's rows as stored (JSON). */
  #batches: { first: number; last: number; rows: string }[] = [];
  /** Floor written to the store last. */
  #storedFloor = 0;
  /** Eids below this are reserved in the store (`["events_next", table]`). */
  #reserved = 0;
  #loading = false;

  /** `limits` names the flags holding this subscriber's expiry and cap (default the global ones). */
  constructor(name: string, publisher: string, limits: SubscriberLimits = {}) {
    this.name = name;
    this.publisher = publisher;
    this.#expiryFlag = limits.expiryFlag ?? "events_expiry";
    this.#maxFlag = limits.maxFlag ?? "events_max";
  }

  /** Stores one event, stamping its time (now, unless given) and a sequential event id. */
  add(row: Row, time = Math.floor(Date.now() / 1000)): void {
    const id = this.#nextEid++;
    const eid = String(id).padStart(10, "0");
    this.#eids.push(id);
    this.#times.push(time);
    if (this.#rowsInMemory) this.#rows.push({ ...row, time, eid } as EventRow);
    else if (this.#pending.push(eventJson(row, time, eid), id, time) === 1 && this.#kv) this.onPending?.();
    this.total++;
    const max = flags.number(this.#maxFlag);
    if (this.size > max) {
      this.#drop(this.size - max);
      if (!this.#warnedOverflow) {
        this.#warnedOverflow = true;
        console.error(`W Expiring events for subscriber: ${this.name} (overflowed limit ${max})`);
      }
    }
  }

  #drop(n: number): void {
    this.#head += n;
    if (this.#head > 1024 && this.#head * 2 > this.#eids.length) {
      this.#eids = this.#eids.slice(this.#head);
      this.#times = this.#times.slice(this.#head);
      if (this.#rowsInMemory) this.#rows = this.#rows.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Drops events older than `--events_expiry` seconds. */
  expire(now = Math.floor(Date.now() / 1000)): void {
    const cutoff = now - flags.number(this.#expiryFlag);
    let drop = 0;
    while (this.#head + drop < this.#times.length && this.#times[this.#head + drop] < cutoff) drop++;
    if (drop) this.#drop(drop);
  }

  /** Stored events within [from, to] (inclusive) with an eid above `after`, oldest first. */
  rows(from = -Infinity, to = Infinity, after = 0): EventRow[] {
    const out: EventRow[] = [];
    const floor = Math.max(this.#floor(), after + 1);
    const take = (r: EventRow) => {
      if (r.time >= from && r.time <= to) out.push(r);
    };
    if (this.#rowsInMemory) {
      // Eids grow with the array: start at the first one at or above the floor.
      for (let i = this.#head + this.#firstAtOrAbove(floor); i < this.#rows.length; i++) take(this.#rows[i]);
      return out;
    }
    // Written batches (parsed only when they hold an eid wanted), then the events being written
    // and those waiting (eids grow: each after the last written one).
    for (const b of this.#batches) {
      if (b.last < floor) continue;
      for (const r of JSON.parse(b.rows) as EventRow[]) if (Number(r.eid) >= floor) take(r);
    }
    const written = Math.max(floor - 1, this.#batches.at(-1)?.last ?? 0);
    for (const waiting of [this.#writing, this.#pending]) {
      for (let k = 0; k < waiting.length; k++) {
        if (waiting.eids[k] > written) take(JSON.parse(waiting.texts[k]) as EventRow);
      }
    }
    return out;
  }

  /** Offset from `#head` of the first kept event with an eid at or above `eid`. */
  #firstAtOrAbove(eid: number): number {
    let lo = this.#head;
    let hi = this.#eids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#eids[mid] < eid) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.#head;
  }

  /** The newest event id handed out (0 before any). */
  get lastEid(): number {
    return this.#nextEid - 1;
  }

  /** The expiry (seconds) and cap this subscriber's flags set now, for readers of its stored events. */
  get limits(): StoredEventLimits {
    return { expiry: flags.number(this.#expiryFlag), max: flags.number(this.#maxFlag) };
  }

  /**
   * True while its events live in a store: loading them from it (what is stored is consistent
   * meanwhile, so other readers may read it) or writing new ones there.
   */
  get stored(): boolean {
    return this.#kv !== undefined || this.#loading;
  }

  /** Number of stored events. */
  get size(): number {
    return this.#eids.length - this.#head;
  }

  /** True while events wait to be written to the store. */
  get hasPending(): boolean {
    return this.#pending.length > 0;
  }

  /** The oldest eid kept (the next one when none is kept). */
  #floor(): number {
    return this.size > 0 ? this.#eids[this.#head] : this.#nextEid;
  }

  /**
   * Loads the events `kv` keeps for this table (those not expired or capped away), continues
   * their eids, and from now on writes new events there on {@linkcode EventSubscriber.flush}.
   * Events added before (kept in memory) get eids after the stored ones and are written too.
   */
  async attach(kv: Deno.Kv): Promise<void> {
    const floor = (await kv.get<number>(["events_floor", this.name])).value ?? 0;
    const eids: number[] = [];
    const times: number[] = [];
    this.#batches = [];
    let lastEid = 0;
    for await (const entry of kv.list<StoredBatch>({ prefix: ["events", this.name] })) {
      const first = Number(entry.key[2]);
      const batch = entry.value;
      this.#batches.push({ first, last: batch.last, rows: batch.rows });
      lastEid = Math.max(lastEid, batch.last);
      if (batch.last < floor) continue;
      for (const row of JSON.parse(batch.rows) as EventRow[]) {
        const eid = Number(row.eid);
        if (eid < floor) continue;
        eids.push(eid);
        times.push(row.time);
      }
    }
    const live = this.#rowsInMemory
      ? this.#rows.slice(this.#head)
      : this.#pending.texts.map((text) => JSON.parse(text) as EventRow);
    // Eids handed out after the last flush of a killed process may have reached a result log
    // without reaching the store: start past everything reserved so no eid is used twice.
    const reserved = (await kv.get<number>(["events_next", this.name])).value ?? 0;
    this.#nextEid = Math.max(lastEid + 1, floor, reserved);
    this.#reserved = this.#nextEid + EID_RESERVE;
    await kv.set(["events_next", this.name], this.#reserved);
    for (const row of live) {
      eids.push(this.#nextEid);
      times.push(row.time);
      row.eid = String(this.#nextEid++).padStart(10, "0");
    }
    this.#eids = eids;
    this.#times = times;
    this.#rows = [];
    this.#rowsInMemory = false;
    this.#head = 0;
    this.#storedFloor = floor;
    this.#kv = kv;
    this.#pending = new PendingRows();
    for (const row of live) this.#pending.push(JSON.stringify(row), Number(row.eid), row.time);
    const max = flags.number(this.#maxFlag);
    if (this.size > max) this.#drop(this.size - max);
    this.expire();
    this.#loading = false;
  }

  /** True from {@linkcode EventSubscriber.markLoading} until its store is attached. */
  get loading(): boolean {
    return this.#loading;
  }

  /**
   * Marks the subscriber as waiting for its stored events: until {@linkcode EventSubscriber.attach}
   * ends, reading its table fails rather than answer without them (a scheduled query would
   * otherwise store an empty result and report every stored event again as new).
   */
  markLoading(): void {
    this.#loading = true;
  }

  /** Stops writing to the store (call after a last {@linkcode EventSubscriber.flush}). */
  detach(): void {
    this.#loading = false;
    this.#kv = undefined;
    // Once a store held the rows, unwritten ones are the only copy: they stay readable.
    if (this.#rowsInMemory) this.#pending = new PendingRows();
  }

  /**
   * Writes the events added since the last flush to the store in batches and removes the
   * batches that expired or were capped away, in as few atomic commits as Deno KV allows; each
   * commit moves the floor too, so a crash between them never brings back a dropped event.
   * On a failed commit the unwritten events are kept for the next flush.
   */
  async flush(): Promise<void> {
    const kv = this.#kv;
    if (!kv) return;
    this.expire();
    const floor = this.#floor();
    // Pending rows already dropped (a burst past --events_max) are not written at all.
    const pending = this.#pending.from(floor);
    this.#pending = new PendingRows();
    this.#writing = pending;
    /** Per batch to write: its key and value, and the index in `pending` of its first row. */
    const sets: [Deno.KvKey, StoredBatch, number][] = [];
    let start = 0;
    let bytes = 0;
    const close = (end: number) => {
      if (end === start) return;
      let time = 0;
      for (let k = start; k < end; k++) time = Math.max(time, pending.times[k]);
      const rows = `[${pending.texts.slice(start, end).join(",")}]`;
      sets.push([["events", this.name, pending.eids[start]], { last: pending.eids[end - 1], time, rows }, start]);
      start = end;
      bytes = 0;
    };
    for (let k = 0; k < pending.length; k++) {
      const length = pending.texts[k].length;
      if (bytes + length > BATCH_BYTES) close(k);
      bytes += length + 1;
    }
    close(pending.length);
    let gone = 0;
    while (gone < this.#batches.length && this.#batches[gone].last < floor) gone++;
    const deletes = this.#batches.slice(0, gone).map((b): Deno.KvKey => ["events", this.name, b.first]);
    if (sets.length === 0 && deletes.length === 0 && floor === this.#storedFloor) return;
    let i = 0;
    let d = 0;
    // Batches written and deletes done by the commits that went through (a refused one did none).
    let written = 0;
    let deleted = 0;
    try {
      do {
        const op = kv.atomic().set(["events_floor", this.name], floor);
        let mutations = 1;
        if (this.#nextEid + EID_RESERVE / 2 > this.#reserved) {
          this.#reserved = this.#nextEid + EID_RESERVE;
          op.set(["events_next", this.name], this.#reserved);
          mutations++;
        }
        let size = 0;
        while (d < deletes.length && mutations < MAX_MUTATIONS) {
          op.delete(deletes[d++]);
          mutations++;
        }
        const from = i;
        while (i < sets.length && mutations < MAX_MUTATIONS) {
          const len = sets[i][1].rows.length;
          if (size > 0 && size + len > MAX_COMMIT_BYTES) break;
          op.set(sets[i][0], sets[i][1]);
          size += len;
          mutations++;
          i++;
        }
        const result = await op.commit();
        if (!result.ok) throw new Error("the commit was refused");
        for (let k = from; k < i; k++) {
          this.#batches.push({ first: Number(sets[k][0][2]), last: sets[k][1].last, rows: sets[k][1].rows });
        }
        written = i;
        deleted = d;
      } while (i < sets.length || d < deletes.length);
    } finally {
      this.#batches.splice(0, deleted);
      // What was not written waits for the next flush, before what came meanwhile.
      if (written < sets.length) this.#pending = pending.slice(sets[written][2]).concat(this.#pending);
      this.#writing = new PendingRows();
    }
    this.#storedFloor = floor;
  }
}

/**
 * An event's JSON as stored: the row's columns, then `time` and `eid` (which win over columns
 * of those names, as a spread would), without copying the row.
 */
function eventJson(row: Row, time: number, eid: string): string {
  const json = JSON.stringify(row);
  const tail = `"time":${time},"eid":"${eid}"}`;
  return json.length === 2 ? `{${tail}` : `${json.slice(0, -1)},${tail}`;
}

/** Rows waiting to be written: their JSON, eids and times, in parallel arrays (oldest first). */
class PendingRows {
  constructor(
    readonly texts: string[] = [],
    readonly eids: number[] = [],
    readonly times: number[] = [],
  ) {}

  get length(): number {
    return this.texts.length;
  }

  /** Adds a row; returns how many wait now. */
  push(text: string, eid: number, time: number): number {
    this.eids.push(eid);
    this.times.push(time);
    return this.texts.push(text);
  }

  /** The rows from index `k` on. */
  slice(k: number): PendingRows {
    return new PendingRows(this.texts.slice(k), this.eids.slice(k), this.times.slice(k));
  }

  /** The rows with an eid at or above `floor` (the older ones were capped or expired away). */
  from(floor: number): PendingRows {
    let k = 0;
    while (k < this.length && this.eids[k] < floor) k++;
    return k === 0 ? this : this.slice(k);
  }

  /** These rows, then `later`'s. */
  concat(later: PendingRows): PendingRows {
    return new PendingRows(
      this.texts.concat(later.texts),
      this.eids.concat(later.eids),
      this.times.concat(later.times),
    );
  }
}

/** Where and how a query thread reads stored events ({@linkcode EventSystem.threadRead}). */
export interface StoredEventsPlan {
  /** The store's file. */
  path: string;
  /** Per event table (subscriber name) its store holds: expiry and cap. */
  limits: Record<string, StoredEventLimits>;
}

/** The process-wide set of publishers and subscribers. */
export class EventSystem {
  readonly #publishers = new Map<string, EventPublisher>();
  readonly #subscribers = new Map<string, EventSubscriber>();
  #running = false;
  #stopping: Promise<void> | undefined;
  #kv: Deno.Kv | undefined;
  /** The flush of new events, armed by the first one (none while no events come). */
  #flusher: ReturnType<typeof setTimeout> | undefined;
  /** The slow expiry sweep. */
  #sweeper: ReturnType<typeof setInterval> | undefined;
  #flushing: Promise<void> | undefined;
  #warnedFlush = false;
  /** The store's path when other threads of this process can open it too (not ":memory:"). */
  #path: string | undefined;

  /** Registers a publisher (not started until {@linkcode EventSystem.start}). */
  addPublisher(publisher: EventPublisher): void {
    this.#publishers.set(publisher.name, publisher);
  }

  /**
   * Writes every subscriber's new events to the store (one flush at a time; a failed write,
   * e.g. a full disk, is reported once and the events stay in memory).
   */
  flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    if (!this.#kv) return Promise.resolve();
    this.#flushing = (async () => {
      for (const s of this.#subscribers.values()) {
        try {
          await s.flush();
        } catch (err) {
          if (!this.#warnedFlush) console.error(`W Writing events of ${s.name} failed: ${(err as Error).message}`);
          this.#warnedFlush = true;
        }
      }
    })().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /**
   * Flushes in {@linkcode FLUSH_MS} unless a flush is already due; after a flush that left events
   * unwritten (a failed write, or events that came meanwhile) it is armed again.
   */
  #armFlush(): void {
    if (this.#flusher !== undefined || !this.#kv) return;
    if (![...this.#subscribers.values()].some((s) => s.hasPending)) return;
    const flusher = setTimeout(() => {
      this.#flusher = undefined;
      void this.flush().then(() => this.#armFlush());
    }, FLUSH_MS);
    Deno.unrefTimer(flusher);
    this.#flusher = flusher;
  }

  /** Registers (or returns) the subscriber feeding an event table. */
  subscriber(name: string, publisher: string, limits: SubscriberLimits = {}): EventSubscriber {
    let s = this.#subscribers.get(name);
    if (!s) {
      this.#subscribers.set(name, s = new EventSubscriber(name, publisher, limits));
      s.onPending = () => this.#armFlush();
    }
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

  /**
   * Starts every publisher unless `--disable_events`; a publisher that fails to start stays
   * inactive. With `kv` (the daemon's store), every subscriber first loads the events kept
   * there and then writes its new ones there in batches. With `path`, the file `kv` was opened
   * from, the daemon's query threads may read the stored events themselves
   * ({@linkcode EventSystem.readableFromThreads}).
   */
  async start(kv?: Deno.Kv, path?: string): Promise<void> {
    if (flags.bool("disable_events") || this.#running) return;
    this.#running = true;
    // An in-memory store is this thread's alone: its events are read here only.
    this.#path = kv && path && path !== ":memory:" ? path : undefined;
    if (kv) {
      for (const s of this.#subscribers.values()) s.markLoading();
      for (const s of this.#subscribers.values()) {
        try {
          await s.attach(kv);
        } catch (err) {
          s.detach();
          console.error(`W Event subscriber ${s.name} could not load its stored events: ${(err as Error).message}`);
        }
      }
      this.#kv = kv;
      const sweeper = setInterval(() => void this.flush(), SWEEP_MS);
      Deno.unrefTimer(sweeper);
      this.#sweeper = sweeper;
      // Events that arrived while the store was loading.
      this.#armFlush();
    }
    for (const p of this.#publishers.values()) {
      try {
        await p.start();
      } catch (err) {
        console.error(`W Event publisher ${p.name} failed to start: ${(err as Error).message}`);
      }
    }
  }

  /**
   * True when another thread of this process may read `table`'s events from the store: the
   * events run with a store on disk and its subscriber writes there (one that failed to load
   * keeps its events in this thread's memory only, and is read here).
   */
  readableFromThreads(table: string): boolean {
    return this.#running && this.#path !== undefined && this.#subscribers.get(table)?.stored === true;
  }

  /**
   * What a query thread needs to read the stored events of `tables` itself: the store's path
   * and each table's expiry and cap as this thread's flags set them. Undefined when the events
   * are not readable from other threads.
   */
  threadRead(tables: Iterable<string> = this.#subscribers.keys()): StoredEventsPlan | undefined {
    if (!this.#running || this.#path === undefined) return undefined;
    const limits: Record<string, StoredEventLimits> = {};
    for (const name of tables) {
      const s = this.#subscribers.get(name);
      if (s?.stored) limits[name] = s.limits;
    }
    return { path: this.#path, limits };
  }

  /** Stops every publisher; a second call while stopping waits for the same stop. */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    if (!this.#running) return Promise.resolve();
    this.#running = false;
    this.#stopping = (async () => {
      for (const p of this.#publishers.values()) await p.stop().catch(() => {});
      if (this.#flusher !== undefined) clearTimeout(this.#flusher);
      this.#flusher = undefined;
      if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
      this.#sweeper = undefined;
      await this.flush();
      for (const s of this.#subscribers.values()) s.detach();
      this.#kv = undefined;
      this.#path = undefined;
    })().finally(() => {
      this.#stopping = undefined;
    });
    return this.#stopping;
  }
}

/**
 * A scheduled query's event cursors (osquery's per-query event optimisation): per event table,
 * the newest event id the query has already logged. While a query runs inside
 * {@linkcode withEventCursor}, event tables return only newer events and note how far they
 * read; the daemon stores {@linkcode EventCursor.next} in the same commit as the run's log
 * lines, so each event is selected exactly once by each scheduled query, across restarts.
 */
export class EventCursor {
  readonly #from: Readonly<Record<string, number>>;
  readonly #read = new Map<string, number>();

  /** `from`: per table, the last event id already logged (absent: none). */
  constructor(from: Readonly<Record<string, number>> = {}) {
    this.#from = from;
  }

  /** The last event id of `table` the query has logged. */
  from(table: string): number {
    return this.#from[table] ?? 0;
  }

  /** Per table, the last event id already logged (what a query thread starts after). */
  start(): Record<string, number> {
    return { ...this.#from };
  }

  /** Notes how far a query thread read, as its cursor's {@linkcode EventCursor.next} said. */
  readAll(next: Readonly<Record<string, number>>): void {
    for (const [table, eid] of Object.entries(next)) this.read(table, eid);
  }

  /** Notes that the query read `table` up to `eid`. */
  read(table: string, eid: number): void {
    this.#read.set(table, Math.max(this.#read.get(table) ?? 0, eid));
  }

  /** The cursors to store once the run's results are committed. */
  next(): Record<string, number> {
    const out: Record<string, number> = { ...this.#from };
    for (const [table, eid] of this.#read) out[table] = Math.max(out[table] ?? 0, eid);
    return out;
  }
}

let activeCursor: EventCursor | undefined;

/** One event table's events as a query thread read them from the store before the query ran. */
export interface StoredEvents {
  /** Events after the query's cursor, not expired, oldest first. */
  rows: EventRow[];
  /** The newest event id the store held (read or not), where the cursor moves. */
  lastEid: number;
}

let activeStored: ReadonlyMap<string, StoredEvents> | undefined;

/**
 * Runs `fn` with event tables answering from `stored` (by table) instead of this thread's
 * subscribers: a query thread has no publishers, so it loads the events from the store first
 * (core/events/stored.ts) and the synchronous scans read them here.
 */
export function withStoredEvents<T>(stored: ReadonlyMap<string, StoredEvents>, fn: () => T): T {
  const outer = activeStored;
  activeStored = stored;
  try {
    return fn();
  } finally {
    activeStored = outer;
  }
}

/** Runs `fn` (a scheduled query) with `cursor` applied to every event table it reads. */
export function withEventCursor<T>(cursor: EventCursor, fn: () => T): T {
  const outer = activeCursor;
  activeCursor = cursor;
  try {
    return fn();
  } finally {
    activeCursor = outer;
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
  const stored = activeStored?.get(subscriber.name);
  if (!stored && subscriber.loading) {
    throw new TableError(
      `${subscriber.name}: the stored events are still loading after the start; the next run reads them`,
    );
  }
  if (!stored) subscriber.expire();
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
  const cursor = activeCursor;
  if (stored) {
    // Loaded after the cursor already: only the time constraints are left to apply.
    if (cursor) cursor.read(subscriber.name, stored.lastEid);
    return stored.rows.filter((r) => r.time >= from && r.time <= to);
  }
  if (!cursor) return subscriber.rows(from, to);
  // Everything up to the newest event now counts as read, also events the time constraints
  // leave out (as osquery's optimisation skips them).
  const after = cursor.from(subscriber.name);
  cursor.read(subscriber.name, subscriber.lastEid);
  return subscriber.rows(from, to, after);
}
