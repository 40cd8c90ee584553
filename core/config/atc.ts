/**
 * osquery's `auto_table_construction` (ATC): tables defined in the config as a query over a
 * SQLite database file on the host.
 *
 * ```json
 * "auto_table_construction": {
 *   "chrome_logins": {
 *     "query": "SELECT origin_url, username_value FROM logins",
 *     "path": "/home/%/.config/google-chrome/Default/Login Data",
 *     "columns": ["origin_url", "username_value"],
 *     "platform": "linux"
 *   }
 * }
 * ```
 *
 * As osquery: every column is TEXT, plus an implicit `path` (the database file a row came from)
 * unless the config names a `path` column itself; `%` in the path matches within one directory
 * level (per-user files) and `%%` everything below. A table is registered when the config is
 * loaded and replaced or removed when a refresh changes or drops it; one that would replace a
 * table osq has is refused. The file is opened read-only — without honouring other connections'
 * locks unless it is in WAL mode, so a database a browser holds open can still be read — and,
 * when the query cannot be prepared that way, again as `immutable=1`. A missing or unreadable
 * file gives no rows (and a warning), never an error.
 *
 * Registering the `auto_table_construction` section handler is this module's import side
 * effect; each thread that loads configs (daemon, query threads, shell) imports it.
 *
 * @module
 */
import { openHostDatabase } from "../engine.ts";
import { type Registry, registry as globalRegistry } from "../registry.ts";
import type { Row, TableSpec } from "../table.ts";
import type { SqlValue } from "../sqlite/values.ts";
import { checkPlatform } from "./platform.ts";
import { GLOB, iterateLikePattern } from "../host/glob.ts";
import { onConfigSection } from "./sections.ts";

/** The config key. */
export const ATC_KEY = "auto_table_construction";

/** One ATC table as the config defines it. */
export interface AtcDefinition {
  name: string;
  query: string;
  path: string;
  /** Column names as the config lists them (the implicit `path` not included). */
  columns: string[];
  platform: string;
}

/** A problem with one ATC entry, as osquery warns about it. */
export interface AtcProblem {
  table: string;
  message: string;
}

/**
 * Reads the section: the definitions that apply on `platform`, and the problems of those skipped
 * (osquery skips an entry without query, path or columns, and non-string columns).
 */
export function parseAtc(section: unknown, platform?: string): { tables: AtcDefinition[]; problems: AtcProblem[] } {
  const tables: AtcDefinition[] = [];
  const problems: AtcProblem[] = [];
  if (section === null || typeof section !== "object" || Array.isArray(section)) return { tables, problems };
  for (const [name, raw] of Object.entries(section as Record<string, unknown>)) {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      problems.push({ table: name, message: "is not an object; skipped" });
      continue;
    }
    const params = raw as Record<string, unknown>;
    const text = (key: string) => typeof params[key] === "string" ? params[key] as string : "";
    const query = text("query");
    const path = text("path");
    const tablePlatform = text("platform");
    if (query === "" || path === "") {
      problems.push({ table: name, message: "is misconfigured (missing query or path); skipped" });
      continue;
    }
    if (!checkPlatform(tablePlatform, platform)) continue;
    if (!Array.isArray(params.columns)) {
      problems.push({ table: name, message: "is misconfigured (no columns); skipped" });
      continue;
    }
    const columns: string[] = [];
    for (const column of params.columns) {
      if (typeof column !== "string" || column === "") {
        problems.push({ table: name, message: `has a column that is not a name (${JSON.stringify(column)}); ignored` });
      } else columns.push(column);
    }
    if (columns.some((c) => c.toLowerCase() === "path")) {
      problems.push({ table: name, message: "names the column `path`, which ATC reserves for the file a row is from" });
    }
    tables.push({ name, query, path, columns, platform: tablePlatform });
  }
  return { tables, problems };
}

/** The table spec of an ATC definition. */
export function atcTableSpec(def: AtcDefinition, warn: (message: string) => void = () => {}): TableSpec {
  // Each distinct problem is reported once per table, not at every scheduled run.
  const told = new Set<string>();
  const once = (message: string) => {
    if (told.has(message) || told.size > 100) return;
    told.add(message);
    warn(message);
  };
  const userPath = def.columns.some((c) => c.toLowerCase() === "path");
  const names = userPath ? def.columns : [...def.columns, "path"];
  return {
    name: def.name,
    description: `auto_table_construction: ${def.query} over ${def.path}`,
    columns: names.map((name) => ({ name, type: "TEXT" })),
    *generate(): Generator<Row> {
      // As osquery: resolveFilePattern over the path (files only: each is opened as a database).
      const files = [...iterateLikePattern(def.path, GLOB.FILES)];
      if (files.length === 0) once(`ATC table ${def.name}: no file matches ${def.path}`);
      for (const file of files) {
        let rows: Record<string, SqlValue>[];
        try {
          rows = readHostDatabase(file, def.query);
        } catch (err) {
          once(`ATC table ${def.name}: could not read ${file}: ${(err as Error).message}`);
          continue;
        }
        for (const row of rows) yield atcRow(row, file);
      }
    },
  };
}

/** osquery's row: text as text, numbers as their text, NULL left out, plus `path` unless the query gave one. */
function atcRow(row: Record<string, SqlValue>, file: string): Row {
  const out: Row = {};
  let hasPath = false;
  for (const [name, value] of Object.entries(row)) {
    if (name.toLowerCase() === "path") hasPath = true;
    if (value === null || value === undefined) continue;
    out[name] = value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value);
  }
  if (!hasPath) out.path = file;
  return out;
}

/** The journal mode of a database file ("wal", "delete", ...), or undefined when unreadable. */
function journalMode(file: string): string | undefined {
  try {
    const db = openHostDatabase(file);
    try {
      const mode = db.query("PRAGMA journal_mode")[0]?.journal_mode;
      return typeof mode === "string" ? mode.toLowerCase() : undefined;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * Runs `query` on the database file read-only, as osquery: a WAL database honours locks (its
 * readers never block), any other ignores them; a query that cannot be prepared is retried on an
 * `immutable=1` open. Throws when the file is missing or cannot be read either way.
 */
export function readHostDatabase(file: string, query: string): Record<string, SqlValue>[] {
  try {
    if (!Deno.statSync(file).isFile) throw new Error("not a regular file");
  } catch (err) {
    throw new Error(err instanceof Deno.errors.NotFound ? "no such file" : (err as Error).message);
  }
  const ignoreLocks = journalMode(file) !== "wal";
  const run = (immutable: boolean) => {
    const db = openHostDatabase(file, { ignoreLocks, immutable });
    try {
      return db.query(query);
    } finally {
      db.close();
    }
  };
  try {
    return run(false);
  } catch {
    // osquery's retry: a database another program holds (a browser profile) often opens only so.
    return run(true);
  }
}

/** Tables this module registered, by registry, with the definition each was made from. */
const registered = new WeakMap<Registry, Map<string, string>>();

/**
 * Registers the definitions in a registry: new ones added, changed ones replaced, ones no longer
 * configured removed. A name osq already has for another table is refused. Returns the problems.
 */
export function applyAtc(
  defs: AtcDefinition[],
  registry: Registry = globalRegistry,
  warn: (message: string) => void = () => {},
): AtcProblem[] {
  const problems: AtcProblem[] = [];
  let mine = registered.get(registry);
  if (!mine) registered.set(registry, mine = new Map());
  const wanted = new Set(defs.map((d) => d.name));
  for (const name of [...mine.keys()]) {
    if (!wanted.has(name)) {
      registry.removeTable(name);
      mine.delete(name);
    }
  }
  for (const def of defs) {
    const key = JSON.stringify([def.query, def.path, def.columns]);
    if (mine.get(def.name) === key) continue;
    if (mine.has(def.name)) {
      registry.removeTable(def.name);
      mine.delete(def.name);
    } else if (registry.table(def.name)) {
      problems.push({ table: def.name, message: "overrides a table osq has; refusing registration" });
      continue;
    }
    registry.addTable(atcTableSpec(def, warn), "core");
    mine.set(def.name, key);
  }
  return problems;
}

/** Names of the ATC tables registered in a registry. */
export function atcTables(registry: Registry = globalRegistry): string[] {
  return [...(registered.get(registry)?.keys() ?? [])].sort();
}

/**
 * Applies a config's `auto_table_construction` value (undefined: none) to a registry; returns the
 * problems of the entries skipped or refused.
 */
export function applyAtcSection(
  value: unknown,
  registry: Registry = globalRegistry,
  warn: (message: string) => void = () => {},
): AtcProblem[] {
  const { tables, problems } = parseAtc(value ?? {});
  return [...problems, ...applyAtc(tables, registry, warn)];
}

// Every config this thread loads registers its ATC tables; a config without the section removes them.
onConfigSection(ATC_KEY, (value) => {
  const problems = applyAtcSection(value, globalRegistry, (m) => console.warn(m));
  if (problems.length > 0) {
    throw new Error(problems.map((p) => `ATC table ${p.table} ${p.message}`).join("; "));
  }
});
