/**
 * Which thread runs a query: the daemon's own thread when a table it reads keeps its state
 * there (its spec says `thread: "main"`: carves), an event table whose events this thread
 * alone holds (no store on disk the query threads can read, see core/events/stored.ts), or it
 * calls a function whose work happens there; a query thread otherwise.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { events } from "../events/system.ts";

/** SQL functions whose work happens on the daemon's main thread (`carve()` queues a carve there). */
const MAIN_THREAD_FUNCTIONS = new Set(["carve"]);

/** True when the query threads can read event table `name` from the store (the daemon's events). */
export type EventsOnThreads = (name: string) => boolean;

const daemonEvents: EventsOnThreads = (name) => events.readableFromThreads(name);

/**
 * True when `sql` must run on the daemon's main thread: a table it reads (through views too)
 * says so in its spec (`thread: "main"`), is an event table the query threads cannot read
 * (`eventsOnThreads`, by default whether the running event system stores it on disk), or it
 * calls a function whose work happens there. The engine finds the tables and functions by
 * preparing the statements, not by reading the text.
 */
export function runsOnMainThread(
  engine: Engine,
  sql: string,
  eventsOnThreads: EventsOnThreads = daemonEvents,
): boolean {
  const { tables, functions } = engine.references(sql);
  for (const name of tables) {
    const spec = engine.registry.table(name);
    if (spec?.thread === "main") return true;
    if (spec?.event && !eventsOnThreads(spec.name)) return true;
  }
  for (const name of functions) if (MAIN_THREAD_FUNCTIONS.has(name)) return true;
  return false;
}

/**
 * True when `sql` reads (through views too) an event table: a scheduled run of it reads only
 * the events after its cursor, wherever it runs. Found by preparing, as above.
 */
export function readsEventTable(engine: Engine, sql: string): boolean {
  for (const name of engine.references(sql).tables) if (engine.registry.table(name)?.event) return true;
  return false;
}

/**
 * True when `sql` reads (through views too) a table an extension registered: its proxy lives
 * in this thread's engine only, so the query runs here. Found by preparing, as above.
 */
export function readsExtensionTable(engine: Engine, sql: string): boolean {
  for (const name of engine.references(sql).tables) {
    const owner = engine.registry.tableOwner(name);
    if (owner !== undefined && owner !== "core") return true;
  }
  return false;
}
