/**
 * Config sections some tables read (prometheus_targets, yara). Each query thread has its own
 * copy of the tables' modules, so the daemon applies the sections on every thread.
 *
 * @module
 */
import { applyPrometheusTargetsConfig } from "../../tables/applications/prometheus_metrics.ts";
import { configureYara } from "../../tables/content/_yara.ts";
import type { Engine } from "../../core/engine.ts";

/** The config sections tables consume, as plain JSON. */
export type TableSections = Record<string, unknown>;

/** Hands the sections to the tables of this thread. */
export function applyTableSections(sections: TableSections): void {
  applyPrometheusTargetsConfig(sections.prometheus_targets);
  configureYara(sections.yara);
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
