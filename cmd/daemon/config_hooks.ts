/**
 * Config sections some tables read (prometheus_targets, yara). Each query thread has its own
 * copy of the tables' modules, so the daemon applies the sections on every thread.
 *
 * @module
 */
import { applyPrometheusTargetsConfig } from "../../tables/applications/prometheus_metrics.ts";
import { configureYara } from "../../tables/content/_yara.ts";

/** The config sections tables consume, as plain JSON. */
export type TableSections = Record<string, unknown>;

/** Hands the sections to the tables of this thread. */
export function applyTableSections(sections: TableSections): void {
  applyPrometheusTargetsConfig(sections.prometheus_targets);
  configureYara(sections.yara);
}
