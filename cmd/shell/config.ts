/**
 * The shell's config: as osqueryi, it reads `--config_path` (the default file only when it
 * exists) and hands the config's sections to the tables — `auto_table_construction` tables,
 * `yara` signature groups and the like. A config that cannot be read is a warning: the shell
 * still runs.
 *
 * @module
 */
import "../../core/config/atc.ts";
import { flags } from "../../core/flags/flags.ts";
import { buildConfig, ConfigError, formatProblem } from "../../core/config/config.ts";
import { applyConfigSections } from "../../core/config/sections.ts";
import { readConfigSources, resolvePack } from "../../plugins/config/filesystem.ts";

/** Loads the config when one is named or the default exists; `warn` gets each problem. */
export function applyShellConfig(explicitlySet: readonly string[], warn: (line: string) => void): void {
  const path = flags.string("config_path");
  if (!explicitlySet.includes("config_path")) {
    try {
      Deno.statSync(path);
    } catch {
      return;
    }
  }
  try {
    const config = buildConfig(readConfigSources(path), { resolvePack });
    for (const p of config.problems) if (p.severity === "error") warn(`osq: config: ${formatProblem(p)}`);
    for (const failure of applyConfigSections(Object.fromEntries(config.sections))) {
      warn(`osq: config section ${failure}`);
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const p of err.problems) warn(`osq: config: ${formatProblem(p)}`);
      return;
    }
    warn(`osq: config ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
