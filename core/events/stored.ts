/**
 * Event rows read straight from the store, for the daemon's query threads. The publishers and
 * subscribers run on the daemon's main thread and write events to Deno KV in batches
 * (core/events/system.ts); a query thread opens the same store file (Deno KV takes several
 * handles on one file, also from Workers) and reads the batches after the query's cursor, so an
 * event query runs on any thread. Each flush commits a consecutive run of eids and moves the
 * floor in the same commit, so what a reader sees is every kept event up to the newest stored
 * eid: the cursor moves there, and events still in the main thread's memory come at the next run.
 *
 * @example
 * ```ts ignore
 * // In a query thread, with the plan the main thread sent (events.threadRead()):
 * const loaded = await loadStoredEvents(plan, engine.references(sql).tables, cursorFrom);
 * const rows = loaded.run(() => runCanonical(engine, sql));
 * reply.eventCursor = loaded.cursor;
 * ```
 *
 * @module
 */
import {
  EventCursor,
  type EventRow,
  type StoredBatch,
  type StoredEventLimits,
  type StoredEvents,
  type StoredEventsPlan,
  withEventCursor,
  withStoredEvents,
} from "./system.ts";

/** Raised when a query thread cannot read the stored events. */
export class StoredEventsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoredEventsError";
  }
}

/**
 * The kept events of `table` in `kv` with an eid above `after`: those below the stored floor
 * (expired or capped away) and older than `limits.expiry` seconds are left out. `lastEid` is
 * the newest eid stored, also when no row after `after` is left.
 */
export async function readStoredEvents(
  kv: Deno.Kv,
  table: string,
  limits: StoredEventLimits,
  after = 0,
  now: number = Math.floor(Date.now() / 1000),
): Promise<StoredEvents> {
  const floor = (await kv.get<number>(["events_floor", table])).value ?? 0;
  const cutoff = now - limits.expiry;
  const rows: EventRow[] = [];
  let lastEid = 0;
  const take = (batch: StoredBatch) => {
    lastEid = Math.max(lastEid, batch.last);
    if (batch.last <= after || batch.last < floor || batch.time < cutoff) return;
    for (const row of JSON.parse(batch.rows) as EventRow[]) {
      const eid = Number(row.eid);
      if (eid > after && eid >= floor && row.time >= cutoff) rows.push(row);
    }
  };
  const prefix = ["events", table];
  // Batches are keyed by their first eid: the one holding `after + 1` starts at or before it,
  // so only it and those after it are read (a scheduled run parses new events only).
  const straddling = kv.list<StoredBatch>({ prefix, end: [...prefix, after + 1] }, { reverse: true, limit: 1 });
  for await (const entry of straddling) take(entry.value);
  for await (const entry of kv.list<StoredBatch>({ prefix, start: [...prefix, after + 1] })) take(entry.value);
  return { rows, lastEid };
}

/** This thread's handle on the store, opened on first use and kept (one per thread). */
let opened: { path: string; kv: Deno.Kv } | undefined;

async function storeAt(path: string): Promise<Deno.Kv> {
  if (opened?.path === path) return opened.kv;
  opened?.kv.close();
  opened = undefined;
  const openKv = (Deno as unknown as { openKv?(path: string): Promise<Deno.Kv> }).openKv;
  if (!openKv) throw new StoredEventsError("Deno KV is not enabled in this thread; run Deno with --unstable-kv.");
  try {
    opened = { path, kv: await openKv(path) };
  } catch (err) {
    throw new StoredEventsError(`Cannot open the event store at ${path}: ${(err as Error).message}`);
  }
  return opened.kv;
}

/** Stored events loaded for one query, and the run that reads them. */
export interface LoadedEvents {
  /** Runs the (synchronous) query with its event tables answering from the loaded events. */
  run<T>(fn: () => T): T;
  /**
   * After {@linkcode LoadedEvents.run}: for a scheduled run, per table the newest eid it has
   * now read (to commit with the run's results); undefined for other queries.
   */
  readonly cursor: Record<string, number> | undefined;
}

/** What {@linkcode loadStoredEventsFor} asks of a query thread's engine. */
export interface ReferencingEngine {
  /** The tables `sql` reads (views expanded), as named there. */
  references(sql: string): { tables: Iterable<string> };
  registry: { table(name: string): { name: string } | undefined };
}

/**
 * {@linkcode loadStoredEvents} for the event tables `sql` reads in `engine` (found by preparing
 * it; aliases such as `syslog` resolve to their table).
 */
export function loadStoredEventsFor(
  engine: ReferencingEngine,
  sql: string,
  plan: StoredEventsPlan,
  cursor?: Readonly<Record<string, number>>,
): Promise<LoadedEvents> {
  const tables = [...engine.references(sql).tables].map((name) => engine.registry.table(name)?.name ?? name);
  return loadStoredEvents(plan, tables, cursor);
}

/**
 * Loads, from the store `plan` names, the events of every table in `tables` that the store
 * keeps (others are ignored). With `cursor` (a scheduled run: per table the last eid logged),
 * only newer events are loaded and the run notes how far it read; without, every kept event.
 */
export async function loadStoredEvents(
  plan: StoredEventsPlan,
  tables: Iterable<string>,
  cursor?: Readonly<Record<string, number>>,
): Promise<LoadedEvents> {
  const kv = await storeAt(plan.path);
  const loaded = new Map<string, StoredEvents>();
  for (const table of new Set(tables)) {
    const limits = plan.limits[table];
    if (!limits) continue;
    loaded.set(table, await readStoredEvents(kv, table, limits, cursor?.[table] ?? 0));
  }
  const read = cursor ? new EventCursor(cursor) : undefined;
  let next: Record<string, number> | undefined;
  return {
    run<T>(fn: () => T): T {
      const scan = () => withStoredEvents(loaded, fn);
      const out = read ? withEventCursor(read, scan) : scan();
      next = read?.next();
      return out;
    },
    get cursor() {
      return next;
    },
  };
}

/** Closes this thread's handle on the store (tests; a query thread's ends with the thread). */
export function closeStoredEvents(): void {
  opened?.kv.close();
  opened = undefined;
}
