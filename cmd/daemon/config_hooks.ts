/**
 * Config sections tables and publishers read (prometheus_targets, yara, ...; each module
 * registers its key in core/config/sections.ts). Each query thread has its own copy of the
 * tables' modules, so the daemon applies the sections on every thread.
 *
 * @module
 */
import { applyConfigSections } from "../../core/config/sections.ts";
// auto_table_construction registers its tables from the config in every thread that loads it.
import "../../core/config/atc.ts";
import type { Engine } from "../../core/engine.ts";

/** The config sections tables consume, as plain JSON. */
export type TableSections = Record<string, unknown>;

/** Hands the sections to the tables of this thread; returns `key: message` for any that failed. */
export function applyTableSections(sections: TableSections): string[] {
  return applyConfigSections(sections);
}

/**
 * Creates the config's `views` on an engine (replacing earlier ones); returns the failures as
 * `name: message`.
 */
export function applyViews(engine: Engine, views: [string, string][], previous: string[] = []): string[] {
  const failures: string[] = [];
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
  for (const name of previous) {
    try {
      engine.db.exec(`DROP VIEW IF EXISTS ${quote(name)}`);
    } catch {
      // never created
    }
  }
  for (const [name, sql] of views) {
    try {
      engine.db.exec(`CREATE VIEW ${quote(name)} AS ${sql}`);
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message}`);
    }
  }
  return failures;
}
