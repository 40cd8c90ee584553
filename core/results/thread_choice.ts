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

/** What the choices below ask of an engine: the tables and functions a statement names, and the registry. */
export type ReferenceSource = Pick<Engine, "references" | "registry">;

/**
 * An engine's answers to `references(sql)`, kept per SQL text: a scheduled query asks for its
 * thread, its event tables and its extension tables on every run, and preparing it for each
 * answer cost ~0.3 ms a time (three of them a run, scripts/bench_daemon.ts --packs-only). The
 * answers stay until a table is added or removed (extensions, auto_table_construction, lazily
 * loaded modules) or {@linkcode QueryReferences.clear} (views changed); at most `max` texts are
 * kept (live queries can be many), the oldest dropped first.
 */
export class QueryReferences implements ReferenceSource {
  readonly #engine: ReferenceSource;
  readonly #max: number;
  readonly #known = new Map<string, { tables: Set<string>; functions: Set<string> }>();
  readonly #unsubscribe: () => void;

  constructor(engine: ReferenceSource, max = 256) {
    this.#engine = engine;
    this.#max = max;
    this.#unsubscribe = engine.registry.onTableChange(() => this.clear());
  }

  /** The engine's registry. */
  get registry(): Engine["registry"] {
    return this.#engine.registry;
  }

  /** The tables (views expanded) and functions `sql` names, prepared once per text. */
  references(sql: string): { tables: Set<string>; functions: Set<string> } {
    let found = this.#known.get(sql);
    if (found === undefined) {
      found = this.#engine.references(sql);
      if (this.#known.size >= this.#max) this.#known.delete(this.#known.keys().next().value!);
      this.#known.set(sql, found);
    }
    return found;
  }

  /** Forgets every answer (the views changed). */
  clear(): void {
    this.#known.clear();
  }

  /** Stops following the registry. */
  close(): void {
    this.#unsubscribe();
    this.#known.clear();
  }
}

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
  engine: ReferenceSource,
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
export function readsEventTable(engine: ReferenceSource, sql: string): boolean {
  for (const name of engine.references(sql).tables) if (engine.registry.table(name)?.event) return true;
  return false;
}

/**
 * True when `sql` reads (through views too) a table an extension registered: its proxy lives
 * in this thread's engine only, so the query runs here. Found by preparing, as above.
 */
export function readsExtensionTable(engine: ReferenceSource, sql: string): boolean {
  for (const name of engine.references(sql).tables) {
    const owner = engine.registry.tableOwner(name);
    if (owner !== undefined && owner !== "core") return true;
  }
  return false;
}
