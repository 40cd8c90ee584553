/**
 * The registry: tables and plugins by name, internal or provided by an extension.
 * Tables register themselves when their module is imported (the catalogue imports them all);
 * engines subscribe to changes so tables added later (extensions) attach to open connections.
 *
 * @module
 */
import type { TableSpec } from "./table.ts";

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

  /** Removes a table (and tells open engines to detach it). */
  removeTable(name: string): void {
    const table = this.#tables.get(name);
    if (!table) return;
    this.#tables.delete(name);
    this.#owners.delete(name);
    for (const listener of this.#listeners) listener("remove", table);
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

/** The process-wide registry. */
export const registry: Registry = new Registry();

/** Registers a core table in the process-wide registry and returns it (used by table modules). */
export function registerTable(table: TableSpec): TableSpec {
  registry.addTable(table);
  return table;
}
