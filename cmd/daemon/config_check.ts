/**
 * `--config_check` and `--config_dump`: load the config sources, report, exit.
 *
 * @module
 */
import { buildConfig, type Config, ConfigError, formatProblem, hasErrors } from "../../core/config/config.ts";
import { readConfigSources, resolvePack } from "../../plugins/config/filesystem.ts";
import { Engine } from "../../core/engine.ts";
import { describeProblem, unpreparedQueries } from "./dropped.ts";
import { applyViews } from "./config_hooks.ts";
import { applyAtcSection } from "../../core/config/atc.ts";

/** Reads and builds the config from `--config_path` (throws {@linkcode ConfigError} when unreadable). */
export function loadConfig(path?: string): Config {
  return buildConfig(readConfigSources(path), { resolvePack });
}

/** `--config_check`: prints every problem to stderr; 0 when there is no error, else 1. */
export async function configCheck(write: (text: string) => void): Promise<number> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const p of err.problems) write(`error: ${formatProblem(p)}\n`);
      return 1;
    }
    throw err;
  }
  // Each query the daemon would drop or cannot run is named, as `osq pack lint` names it.
  const engine = new Engine();
  let unprepared;
  try {
    // The config's auto_table_construction tables exist for its queries, as in the daemon.
    for (const p of applyAtcSection(config.sections.get("auto_table_construction"), engine.registry)) {
      write(`warning: auto_table_construction.${p.table}: ATC table ${p.table} ${p.message}\n`);
    }
    // Its views too: a query may select from one.
    for (const failure of applyViews(engine, [...config.views])) write(`warning: views.${failure}\n`);
    unprepared = await unpreparedQueries(config, engine);
  } finally {
    engine.close();
  }
  for (const p of [...config.problems, ...unprepared]) {
    write(`${p.severity}: ${formatProblem({ ...p, message: describeProblem(p) })}\n`);
  }
  return hasErrors(config) || unprepared.some((p) => p.severity === "error") ? 1 : 0;
}

/** `--config_dump`: prints `{"<source>": <content>}` per source, as osquery does. */
export function configDump(out: (text: string) => void, err: (text: string) => void): number {
  try {
    for (const source of readConfigSources()) out(`{"${source.name}": ${source.text}}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const p of e.problems) err(`error: ${formatProblem(p)}\n`);
      return 1;
    }
    throw e;
  }
}
