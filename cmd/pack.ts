/**
 * `osq pack lint [--json] PATH...` — checks packs (and configs) before deployment: JSON and
 * schema errors with their location, SQL that does not prepare against osq's tables (naming
 * the table or column and the closest match), tables absent on the pack's platforms, intervals
 * out of range, duplicate query names, and discovery queries that can never return a row.
 * Exit status: 0 clean, 1 with findings, 2 for usage errors.
 *
 * @module
 */
// Schemas only: lint prepares and EXPLAINs statements and never scans, so no table code loads.
import "../tables/lazy_catalogue.ts";
import { Engine } from "../core/engine.ts";
import { formatProblem } from "../core/config/config.ts";
import { lintFile, type LintReport } from "../core/config/lint.ts";
import { resolvePack } from "../plugins/config/filesystem.ts";
import { readConfigFile } from "../core/config/read.ts";
import { OSQUERY_VERSION } from "../core/runtime/version.ts";

const encoder = new TextEncoder();
const out = (text: string) => Deno.stdout.writeSync(encoder.encode(text));
const err = (text: string) => Deno.stderr.writeSync(encoder.encode(text));

const USAGE = `Usage: osq pack lint [--json] PATH...

Checks osquery packs and configs: JSON and schema errors (file:line:column and JSON path),
SQL that does not prepare against osq's tables (Linux) or osquery's macOS and Windows schemas
(queries whose platform names them), tables missing on the pack's platforms, tables scanned
without their required column, intervals outside 1..604800, shards outside 1..100, query keys
osquery ignores, options that are no osquery flag, duplicate query names, discovery queries
that cannot return rows. A config's schedule, inline packs and pack files are all checked.
Exit status: 0 when clean, 1 when anything was found.
`;

/** Runs `osq pack ...`; resolves to the exit status. */
export function main(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === "--help" || verb === "-h" || verb === "help") {
    out(USAGE);
    return Promise.resolve(0);
  }
  if (verb === "--version" || verb === "-version") {
    out(`osq pack version ${OSQUERY_VERSION}\n`);
    return Promise.resolve(0);
  }
  if (verb !== "lint") {
    err(verb === undefined ? USAGE : `osq pack: unknown command '${verb}'; the command is 'osq pack lint PATH...'.\n`);
    return Promise.resolve(2);
  }
  const json = rest.includes("--json");
  const paths = rest.filter((a) => a !== "--json");
  const unknown = paths.find((p) => p.startsWith("--"));
  if (unknown) {
    err(`osq pack lint: unknown option '${unknown}' (only --json).\n`);
    return Promise.resolve(2);
  }
  if (paths.length === 0) {
    err(USAGE);
    return Promise.resolve(2);
  }
  const engine = new Engine();
  const reports: LintReport[] = [];
  try {
    for (const path of paths) {
      let text: string;
      try {
        // Non-blocking and within --read_max: a device or FIFO named here cannot hang the lint.
        text = readConfigFile(path, { allowSpecial: true });
      } catch (e) {
        reports.push({
          file: path,
          packs: 0,
          checked: 0,
          findings: [{
            file: path,
            path: "(top level)",
            message: `Cannot read the file: ${(e as Error).message}.`,
            severity: "error",
            code: "io",
          }],
          extensionTables: [],
        });
        continue;
      }
      reports.push(lintFile(path, text, engine, resolvePack));
    }
  } finally {
    engine.close();
  }
  const findings = reports.flatMap((r) => r.findings);
  if (json) {
    out(JSON.stringify({ ok: findings.length === 0, files: reports }, null, 2) + "\n");
  } else {
    for (const f of findings) out(`${f.severity}: ${formatProblem(f)} [${f.code ?? "schema"}]\n`);
    const checked = reports.reduce((n, r) => n + r.checked, 0);
    const packs = reports.reduce((n, r) => n + r.packs, 0);
    const extensions = [...new Set(reports.flatMap((r) => r.extensionTables))].sort();
    if (extensions.length > 0) {
      err(`note: tables of extensions (not osquery's, not checked): ${extensions.join(", ")}\n`);
    }
    err(
      `${paths.length} file${paths.length === 1 ? "" : "s"}, ${packs} pack${packs === 1 ? "" : "s"}, ` +
        `${checked} quer${checked === 1 ? "y" : "ies"} checked: ` +
        (findings.length ? `${findings.length} finding${findings.length === 1 ? "" : "s"}.\n` : "clean.\n"),
    );
  }
  return Promise.resolve(findings.length ? 1 : 0);
}
