/**
 * The registry: tables and plugins by name, internal or provided by an extension.
 * Tables register themselves when their module is imported (tables/catalogue.ts imports them all);
 * engines subscribe to changes so tables added later (extensions) attach to open connections.
 *
 * A table may also be registered lazily ({@linkcode Registry.addLazyTable}): its schema is known
 * at once (planning, `.schema`, completion need nothing more), and its module is imported only
 * when a statement names it ({@linkcode Registry.loadTablesFor}); that module's own
 * {@linkcode registerTable} call then supplies the generator. This keeps a one-shot query from
 * evaluating every table's code (and the FFI libraries and node modules they import).
 *
 * @module
 */
import { type QueryContext, type Rows, TableError, type TableSpec } from "./table.ts";

/** A table's schema without its generator: what the lazy catalogue knows before loading. */
export type TableSchema = Omit<TableSpec, "generate">;

/**
 * Tables known by name and aliases whose schemas are parsed on demand (tables/lazy_catalogue.ts):
 * one object serves every table, so registering a table allocates no per-table helpers.
 */
export interface DeferredCatalogue {
  /** Every schema field the catalogue's tables may have besides name and aliases. */
  readonly fields: readonly string[];
  /** The whole schema of the table `name`. */
  parse(name: string): TableSchema;
  /** Imports the module that registers the table `name`. */
  load(name: string): Promise<unknown>;
}

/** Deferred specs' catalogues, until the first read parses them (a WeakMap: no extra property on the spec). */
const deferredSchemas = new WeakMap<object, DeferredCatalogue>();

/**
 * The accessors of a field list, built once and shared by every deferred spec with that list:
 * one `Object.defineProperties` per spec with shared getters keeps the specs' hidden classes
 * shared and costs about a third of a `defineProperty` per field (measured at start-up).
 */
const deferredAccessors = new WeakMap<readonly string[], PropertyDescriptorMap>();

/** Parses a deferred spec's schema into plain data properties, replacing its accessors. */
function materialize(target: Record<string, unknown>): void {
  const catalogue = deferredSchemas.get(target);
  if (!catalogue) return;
  deferredSchemas.delete(target);
  const data = catalogue.parse(target.name as string) as unknown as Record<string, unknown>;
  for (const field of catalogue.fields) delete target[field];
  for (const [key, value] of Object.entries(data)) {
    if (key !== "name" && key !== "aliases") target[key] = value;
  }
}

function accessorsOf(fields: readonly string[]): PropertyDescriptorMap {
  let map = deferredAccessors.get(fields);
  if (!map) {
    map = {};
    for (const field of fields) {
      map[field] = {
        configurable: true,
        enumerable: true,
        get(this: Record<string, unknown>) {
          materialize(this);
          return this[field];
        },
        set(this: Record<string, unknown>, value: unknown) {
          materialize(this);
          this[field] = value;
        },
      };
    }
    deferredAccessors.set(fields, map);
  }
  return map;
}

/**
 * A spec whose `fields` are accessors that parse the schema at the first read and then become
 * plain data properties (so spreading, Object.entries and JSON see the parsed values).
 */
function deferredSpec(
  name: string,
  aliases: string[] | undefined,
  catalogue: DeferredCatalogue,
  generate: TableSpec["generate"],
): TableSpec {
  const spec = (aliases ? { name, aliases, generate } : { name, generate }) as TableSpec;
  Object.defineProperties(spec, accessorsOf(catalogue.fields));
  deferredSchemas.set(spec, catalogue);
  return spec;
}

/** Imports the module that registers a lazily registered table. */
export type TableLoader = () => Promise<unknown>;

/** Raised when a lazily registered table is scanned before its module was loaded. */
export class TableNotLoadedError extends TableError {
  constructor(name: string) {
    super(
      `table ${name} was scanned before its code was loaded; run the statement through ` +
        `Registry.loadTablesFor (or import tables/catalogue.ts to load every table).`,
    );
    this.name = "TableNotLoadedError";
  }
}

/** Registry names osquery knows (the ones an extension may broadcast into). */
export const REGISTRY_NAMES = [
  "config",
  "config_parser",
  "database",
  "distributed",
  "enroll",
  "event_publisher",
  "event_subscriber",
  "logger",
  "numeric_monitoring",
  "sql",
  "table",
] as const;

/** A plugin entry as shown by `osquery_registry`. */
export interface PluginEntry {
  registry: string;
  name: string;
  /** The owner: "core" or an extension's name. */
  owner: string;
  /** The owner's route UUID: 0 for the core, the extension's uuid otherwise. */
  ownerUuid: number;
  /** 1 when the plugin lives in this process. */
  internal: boolean;
  /** 1 when the plugin is selected (e.g. the active logger). */
  active: boolean;
}

/** Raised when a name is already registered. */
export class RegistryConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RegistryConflictError";
  }
}

type TableListener = (event: "add" | "remove", table: TableSpec) => void;

/** Tables and plugins by name. */
export class Registry {
  readonly #tables = new Map<string, TableSpec>();
  readonly #owners = new Map<string, { name: string; uuid: number }>();
  readonly #plugins = new Map<string, Map<string, PluginEntry>>();
  readonly #listeners = new Set<TableListener>();
  /** Lazily registered tables: their loader, until the module supplied the generator. */
  readonly #pending = new Map<string, TableLoader>();
  /** Generators' specs of lazily registered tables, once their module registered them. */
  readonly #loaded = new Map<string, TableSpec>();
  /** Table and alias names (lower case) of pending tables, for {@linkcode Registry.loadTablesFor}. */
  readonly #pendingNames = new Map<string, string>();

  /** Adds a table; `owner` is "core" or an extension name (with its uuid). Throws on a duplicate name. */
  addTable(table: TableSpec, owner = "core", ownerUuid = 0): void {
    for (const name of [table.name, ...(table.aliases ?? [])]) {
      if (this.#tables.has(name)) {
        throw new RegistryConflictError(`Registry item ${name} conflicts with another item of the same name.`);
      }
    }
    this.#tables.set(table.name, table);
    this.#owners.set(table.name, { name: owner, uuid: ownerUuid });
    for (const listener of this.#listeners) listener("add", table);
  }

  /**
   * Registers a table by its schema; `load` imports the module whose {@linkcode registerTable}
   * call provides the generator. Scanning it before then throws {@linkcode TableNotLoadedError}.
   */
  addLazyTable(schema: TableSchema, load: TableLoader): void {
    this.#addPlaceholder({ ...schema, generate: this.#notLoaded(schema.name) }, load);
  }

  /**
   * Registers the table `name` of `catalogue` as {@linkcode Registry.addLazyTable} does, knowing
   * only its name and aliases: its schema is parsed when a field other than those is first read.
   */
  addDeferredTable(name: string, aliases: string[] | undefined, catalogue: DeferredCatalogue): void {
    this.#addPlaceholder(deferredSpec(name, aliases, catalogue, this.#notLoaded(name)), () => catalogue.load(name));
  }

  /** The generator of a lazy table's placeholder: the loaded module's, or an error before it loads. */
  #notLoaded(name: string): TableSpec["generate"] {
    const loaded = this.#loaded;
    return (ctx: QueryContext): Rows => {
      const spec = loaded.get(name);
      if (!spec) throw new TableNotLoadedError(name);
      return spec.generate(ctx);
    };
  }

  #addPlaceholder(placeholder: TableSpec, load: TableLoader): void {
    this.addTable(placeholder);
    this.#pending.set(placeholder.name, load);
    this.#pendingNames.set(placeholder.name.toLowerCase(), placeholder.name);
    for (const alias of placeholder.aliases ?? []) this.#pendingNames.set(alias.toLowerCase(), placeholder.name);
  }

  /** True when `name` is registered lazily and its module has not been loaded yet. */
  isPending(name: string): boolean {
    return this.#pending.has(name);
  }

  /**
   * Supplies the generator of a lazily registered table (called by {@linkcode registerTable});
   * returns false when `spec` names no pending table.
   */
  resolveLazyTable(spec: TableSpec): boolean {
    if (!this.#pending.has(spec.name) && !this.#loaded.has(spec.name)) return false;
    if (this.#loaded.has(spec.name)) {
      throw new RegistryConflictError(`Registry item ${spec.name} conflicts with another item of the same name.`);
    }
    this.#loaded.set(spec.name, spec);
    this.#pending.delete(spec.name);
    const placeholder = this.#tables.get(spec.name);
    for (const n of [spec.name, ...(spec.aliases ?? [])]) this.#pendingNames.delete(n.toLowerCase());
    // A stale schema catalogue (a spec changed, tables/schemas.ts not regenerated) must not serve
    // the old columns: the module's own spec replaces the placeholder, and engines re-attach it.
    if (placeholder && schemaText(placeholder) !== schemaText(spec)) {
      const owner = this.#owners.get(spec.name) ?? { name: "core", uuid: 0 };
      this.removeTable(spec.name);
      this.addTable(spec, owner.name, owner.uuid);
    }
    return true;
  }

  /** The loaded spec (with its real generator) behind a table, if its code is loaded. */
  implementation(name: string): TableSpec | undefined {
    const t = this.table(name);
    if (!t) return undefined;
    if (this.#pending.has(t.name)) return undefined;
    return this.#loaded.get(t.name) ?? t;
  }

  /** Loads the modules of the named tables that are still pending (unknown names are ignored). */
  async loadTables(names: Iterable<string>): Promise<void> {
    const wanted = new Set<string>();
    for (const n of names) {
      const table = this.#pendingNames.get(n.toLowerCase());
      if (table !== undefined) wanted.add(table);
    }
    await Promise.all([...wanted].map((name) => this.#load(name)));
  }

  /** Loads every pending table (the daemon's and the extension manager's sync paths need them all). */
  async loadAllTables(): Promise<void> {
    await Promise.all([...this.#pending.keys()].map((name) => this.#load(name)));
  }

  /**
   * Loads the pending tables `sql` may name: every identifier outside string literals and
   * comments that is a pending table's name or alias. Over-approximates (a column called like a
   * table loads that table too) and never misses a table named in the text; a view's tables
   * were named when the view was created.
   */
  async loadTablesFor(sql: string): Promise<void> {
    if (this.#pending.size === 0) return;
    await this.loadTables(sqlIdentifiers(sql));
  }

  async #load(name: string): Promise<void> {
    const load = this.#pending.get(name);
    if (!load) return;
    await load();
    if (this.#pending.has(name)) {
      throw new TableError(`loading table ${name}: its module did not register it (regenerate tables/schemas.ts).`);
    }
  }

  /** Removes a table (and tells open engines to detach it). */
  removeTable(name: string): void {
    const table = this.#tables.get(name);
    if (!table) return;
    this.#tables.delete(name);
    this.#owners.delete(name);
    for (const listener of this.#listeners) listener("remove", table);
  }

  /**
   * True when a table is registered under exactly `name` (aliases not searched): one map lookup,
   * for registering many tables at start-up without a scan of every table per name.
   */
  hasTable(name: string): boolean {
    return this.#tables.has(name);
  }

  /** A table by its name or alias. */
  table(name: string): TableSpec | undefined {
    const direct = this.#tables.get(name);
    if (direct) return direct;
    for (const t of this.#tables.values()) if (t.aliases?.includes(name)) return t;
    return undefined;
  }

  /** Every registered table, sorted by name. */
  tables(): TableSpec[] {
    return [...this.#tables.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Who provides a table: "core" or an extension name. */
  tableOwner(name: string): string | undefined {
    return this.#owners.get(name)?.name;
  }

  /** Subscribes to table additions/removals; returns an unsubscribe function. */
  onTableChange(listener: TableListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Adds a non-table plugin (config, logger, distributed, ...). */
  addPlugin(entry: Omit<PluginEntry, "active" | "ownerUuid"> & { active?: boolean; ownerUuid?: number }): void {
    let byName = this.#plugins.get(entry.registry);
    if (!byName) this.#plugins.set(entry.registry, byName = new Map());
    if (byName.has(entry.name)) {
      throw new RegistryConflictError(`Registry item ${entry.name} conflicts with another item of the same name.`);
    }
    byName.set(entry.name, { active: false, ownerUuid: 0, ...entry });
  }

  /** Removes a plugin. */
  removePlugin(registry: string, name: string): void {
    this.#plugins.get(registry)?.delete(name);
  }

  /** Marks the active plugins of a registry (comma-separated names allowed). */
  setActive(registry: string, names: string): void {
    const wanted = new Set(names.split(",").map((s) => s.trim()).filter(Boolean));
    for (const entry of this.#plugins.get(registry)?.values() ?? []) entry.active = wanted.has(entry.name);
  }

  /** A plugin by registry and name. */
  plugin(registry: string, name: string): PluginEntry | undefined {
    return this.#plugins.get(registry)?.get(name);
  }

  /** Every plugin, tables included, for `osquery_registry`. */
  plugins(): PluginEntry[] {
    const out: PluginEntry[] = [];
    for (const t of this.tables()) {
      const owner = this.#owners.get(t.name) ?? { name: "core", uuid: 0 };
      out.push({
        registry: "table",
        name: t.name,
        owner: owner.name,
        ownerUuid: owner.uuid,
        internal: owner.name === "core",
        active: true,
      });
    }
    for (const byName of this.#plugins.values()) out.push(...byName.values());
    return out;
  }
}

/** A spec's data (everything but its code), as comparable text. */
function schemaText(spec: TableSpec): string {
  const { generate: _generate, ...data } = spec;
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value === null || typeof value !== "object") return value;
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, canonical(v)]));
  };
  return JSON.stringify(canonical(data));
}

/** The process-wide registry. */
export const registry: Registry = new Registry();

/** Registers a core table in the process-wide registry and returns it (used by table modules). */
export function registerTable(table: TableSpec): TableSpec {
  if (!registry.resolveLazyTable(table)) registry.addTable(table);
  return table;
}

/**
 * The identifiers of SQL text: bare words, "double-quoted", `backquoted` and [bracketed] names;
 * string literals, blobs, numbers and comments are skipped.
 */
export function sqlIdentifiers(sql: string): Set<string> {
  const out = new Set<string>();
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql[i];
    if (c === "'") {
      i++;
      while (i < n) {
        if (sql[i] === "'") {
          if (sql[i + 1] === "'") i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? n : end + 1;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '"' || c === "`" || c === "[") {
      const close = c === "[" ? "]" : c;
      let name = "";
      i++;
      while (i < n) {
        if (sql[i] === close) {
          if (close !== "]" && sql[i + 1] === close) {
            name += close;
            i += 2;
          } else break;
        } else name += sql[i++];
      }
      i++;
      out.add(name);
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j])) j++;
      out.add(sql.slice(i, j));
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_.]/.test(sql[j])) j++;
      i = j;
    } else i++;
  }
  return out;
}
