/**
 * Queries a config schedules that the daemon cannot run, named one by one. osquery leaves such a
 * query out (a bad interval, no SQL) or lets it fail at every run (SQL that does not prepare)
 * and applies the rest of the config; osq does the same, but says which query and why, at load
 * in the status log and in `--config_check`, with the checks `osq pack lint` makes.
 *
 * @module
 */
import type { Config, ConfigProblem } from "../../core/config/config.ts";
import { Reporter } from "../../core/config/config.ts";
import type { Engine } from "../../core/engine.ts";

/** A problem's text with the query it drops named, for the status log and `--config_check`. */
export function describeProblem(p: ConfigProblem): string {
  if (p.dropped === undefined) return p.message;
  return `${p.message} The scheduled query ${p.dropped} is dropped; the rest of the config applies.`;
}

/**
 * Problems for each scheduled query (of packs that apply here) whose SQL does not prepare: it
 * stays in the schedule, as in osquery, and fails at each run. Located in their file when the
 * pack's origin is known. The linter (with osquery's table lists of every platform, a few MiB
 * of the daemon's memory) loads only when a query does not prepare.
 */
export async function unpreparedQueries(config: Config, engine: Engine): Promise<ConfigProblem[]> {
  const out: ConfigProblem[] = [];
  for (const pack of config.packs) {
    if (!pack.applicable) continue;
    for (const q of pack.queries) {
      if (prepares(engine, q.query)) continue;
      const { sqlProblem } = await import("../../core/config/lint.ts");
      const problem = sqlProblem(engine, q.query);
      if (!problem) continue;
      const reason = /[.!?]$/.test(problem.message) ? problem.message : `${problem.message}.`;
      const message = `${reason} The scheduled query ${q.scheduledName} cannot run; it stays scheduled ` +
        `and fails at each run, as in osquery.`;
      const origin = pack.origin;
      if (origin) {
        const found: ConfigProblem[] = [];
        const reporter = new Reporter(origin.reporter.file, found, origin.reporter.stripped, origin.reporter.locations);
        reporter.add([...origin.queriesPath, q.name, "query"], message, problem.severity, 0, problem.code);
        out.push(...found);
      } else {
        out.push({
          file: pack.source,
          path: `${pack.name}.${q.name}.query`,
          message,
          severity: problem.severity,
          code: problem.code,
        });
      }
    }
  }
  return out;
}

function prepares(engine: Engine, sql: string): boolean {
  try {
    engine.columns(sql);
    return true;
  } catch {
    return false;
  }
}
