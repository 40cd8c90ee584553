/**
 * The daemon loads a table's module when something it will run names the table, as the shell
 * does (tables/lazy_catalogue.ts registers every table by schema): the schedule, packs,
 * discovery queries, decorators and views of each config it applies, each live query and each
 * query a query thread gets. The daemon's SQL then runs through synchronous paths (the
 * scheduler, discovery, decorators) with every table it can name already loaded.
 *
 * Two kinds are loaded up front instead: the event tables, whose subscribers buffer events from
 * the start as osquery's do (unless events are disabled), and the tables whose first row is sent
 * as host details at TLS enrollment.
 *
 * @module
 */
import type { Registry } from "../../core/registry.ts";

/**
 * Loads the tables every string in `config` may name (queries, decorators, discovery, views; a
 * name in a description loads a table it need not, which costs nothing but memory).
 */
export async function loadTablesForConfig(registry: Registry, config: unknown): Promise<void> {
  const texts: string[] = [];
  const seen = new Set<unknown>();
  const walk = (value: unknown): void => {
    if (typeof value === "string") {
      texts.push(value);
      return;
    }
    if (value === null || typeof value !== "object" || seen.has(value)) return;
    seen.add(value);
    if (value instanceof Map) {
      for (const [key, item] of value) {
        walk(key);
        walk(item);
      }
    } else if (Array.isArray(value)) { for (const item of value) walk(item); }
    else for (const item of Object.values(value)) walk(item);
  };
  walk(config);
  for (const text of texts) await registry.loadTablesFor(text);
}

/** Loads every event table's module, so its subscriber exists before the publishers start. */
export async function loadEventTables(registry: Registry): Promise<void> {
  await registry.loadTables(registry.tables().filter((table) => table.event === true).map((table) => table.name));
}
