/**
 * Pack and config linting: everything `osq daemon` would skip or fail on, found before
 * deployment. JSON and schema problems come from the config reader; this module adds the SQL
 * checks (does each Linux query prepare against our schemas, which table or column is wrong and
 * what is closest), platform checks, and discovery queries that can never return a row.
 *
 * @module
 */
import { closest } from "../flags/flags.ts";
import type { Engine } from "../engine.ts";
import {
  buildConfig,
  type ConfigProblem,
  type Pack,
  type PackResolver,
  parseConfigText,
  readPack,
  type ScheduledQuery,
} from "./config.ts";
import { checkPlatform, platformsOf } from "./platform.ts";
import { type JsonObject, toPlain } from "./json.ts";
import { applyAtcSection } from "./atc.ts";
import {
  KNOWN_EXTENSION_TABLES,
  OSQUERY_LINUX_TABLES,
  OSQUERY_OTHER_PLATFORM_TABLES,
  platformEngine,
  SCHEMA_PLATFORMS,
} from "./osquery_tables.ts";

/** The lint result of one path. */
export interface LintReport {
  file: string;
  /** Packs found in the file. */
  packs: number;
  /** Queries checked against the schemas (osq's tables on Linux, osquery's on macOS and Windows). */
  checked: number;
  findings: ConfigProblem[];
  /** Tables of well-known extensions the queries use: not findings, but nothing osq can check. */
  extensionTables: string[];
}

/** Lints one file: a pack (`{"queries": ...}`) or a config (`{"schedule"|"packs": ...}`). */
export function lintFile(path: string, text: string, engine: Engine, resolvePack?: PackResolver): LintReport {
  const findings: ConfigProblem[] = [];
  const parsed = parseConfigText(path, text, findings);
  const report: LintReport = { file: path, packs: 0, checked: 0, findings, extensionTables: [] };
  if (!parsed) {
    for (const f of findings) f.code ??= "json";
    return report;
  }
  let packs: Pack[];
  const isConfig = ["schedule", "packs", "options", "decorators"].some((k) => parsed.value.has(k)) &&
    !parsed.value.has("queries");
  let configProblems: ConfigProblem[] | undefined;
  if (isConfig) {
    findings.length = 0;
    const config = buildConfig([{ name: path, text }], { resolvePack, keepAll: true });
    // The packs' reporters (schedule, inline packs, pack files) add to the config's problems.
    configProblems = config.problems;
    packs = config.packs;
    // auto_table_construction tables are tables for the config's queries (osquery registers them
    // when it loads the config); entries osquery would skip are findings.
    for (const p of applyAtcSection(config.sections.get("auto_table_construction"), engine.registry)) {
      findings.push({
        file: path,
        path: `auto_table_construction.${p.table}`,
        message: `ATC table ${p.table} ${p.message}.`,
        severity: "warning",
        code: "atc",
      });
    }
    for (const sql of [...config.decorators.load, ...config.decorators.always]) {
      checkSql(engine, sql, undefined, findings, path, "decorators");
    }
    for (const [interval, list] of config.decorators.interval) {
      for (const sql of list) checkSql(engine, sql, undefined, findings, path, `decorators.interval.${interval}`);
    }
  } else {
    const stem = (path.split("/").pop() ?? path).replace(/\.[^.]*$/, "");
    packs = [readPack(stem, path, parsed.value, parsed.reporter, [], ["queries"], true)];
    for (const key of parsed.value.keys()) {
      if (!["queries", "platform", "version", "shard", "discovery", "oncall"].includes(key)) {
        parsed.reporter.add([key], `Unknown pack key "${key}" is ignored.`, "warning", 0, "schema");
      }
    }
  }
  report.packs = packs.length;
  const extensionTables = new Set<string>();
  for (const pack of packs) report.checked += lintPack(pack, engine, findings, extensionTables);
  report.extensionTables = [...extensionTables].sort();
  if (configProblems) findings.unshift(...configProblems);
  for (const f of findings) f.code ??= "schema";
  return report;
}

/** SQL, platform and discovery checks of one pack; returns how many queries were prepared. */
function lintPack(pack: Pack, engine: Engine, findings: ConfigProblem[], extensionTables: Set<string>): number {
  const origin = pack.origin;
  const add = (parts: (string | number)[], message: string, code: string, severity: "error" | "warning" = "error") => {
    const extension = code === "extension_table" ? /Table "([\w$]+)"/.exec(message)?.[1] : undefined;
    if (extension) {
      extensionTables.add(extension);
      return;
    }
    if (origin) origin.reporter.add(parts, message, severity, 0, code);
    else findings.push({ file: pack.source, path: parts.join("."), message, severity, code });
  };
  const base = origin?.base ?? [];
  const queriesPath = origin?.queriesPath ?? ["queries"];
  const packTargets = lintTargets(pack.platform, "");
  let checked = 0;
  pack.discovery.forEach((sql, i) => {
    const at = [...base, "discovery", i];
    const problem = problemOn(
      packTargets,
      engine,
      sql,
      pack.platform ? `platform "${pack.platform}"` : "every platform",
    );
    if (problem) add(at, `Discovery query: ${problem.message}`, problem.code, problem.severity);
    else if (packTargets.includes("linux") && cannotReturnRows(engine, sql)) {
      add(at, "This discovery query can never return a row, so the pack would never run.", "discovery");
    }
  });
  for (const q of pack.queries) {
    const at = [...queriesPath, q.name, "query"];
    if (q.json) checkQueryKeys(q.json, [...queriesPath, q.name], add);
    const targets = lintTargets(pack.platform, q.platform);
    if (targets.length === 0) continue;
    checked++;
    const problem = problemOn(targets, engine, q.query, platformNote(pack, q));
    if (problem) add(at, problem.message, problem.code, problem.severity);
  }
  return checked;
}

/** The platforms a platform value restricts to, or undefined when it admits every platform. */
function restriction(value: string): LintPlatform[] | undefined {
  if (value === "" || value === "null" || value.includes("any") || value.includes("all")) return undefined;
  return LINT_PLATFORMS.filter((p) => checkPlatform(value, p));
}

/** Platforms osq lints on. */
type LintPlatform = "linux" | "darwin" | "windows";
const LINT_PLATFORMS: readonly LintPlatform[] = ["linux", "darwin", "windows"];

/**
 * Where a query is checked: the platforms both its pack's and its own `platform` admit among
 * Linux (osq's tables), macOS and Windows (osquery's schemas). A query open to every platform is
 * checked on Linux, the host osq runs on.
 */
export function lintTargets(packPlatform: string, queryPlatform: string): LintPlatform[] {
  const a = restriction(packPlatform);
  const b = restriction(queryPlatform);
  if (!a && !b) return ["linux"];
  return LINT_PLATFORMS.filter((p) => (a ?? LINT_PLATFORMS).includes(p) && (b ?? LINT_PLATFORMS).includes(p));
}

/** The first problem of `sql` on the target platforms; one platform's problem names it. */
function problemOn(targets: LintPlatform[], engine: Engine, sql: string, note: string): SqlProblem | undefined {
  const found: [LintPlatform, SqlProblem][] = [];
  for (const platform of targets) {
    const p = platform === "linux"
      ? sqlProblem(engine, sql, note) ?? requiredProblem(engine, sql)
      : platformSqlProblem(platform, sql, note);
    if (p) found.push([platform, p]);
  }
  if (found.length === 0) return undefined;
  const [platform, first] = found[0];
  if (targets.length === 1 || found.every(([, p]) => p.message === first.message)) return first;
  return { ...first, message: `On ${platform}: ${first.message}` };
}

/** Why `sql` does not prepare against osquery's schemas of `platform`, or undefined when it does. */
export function platformSqlProblem(platform: "darwin" | "windows", sql: string, note: string): SqlProblem | undefined {
  const engine = platformEngine(platform);
  try {
    engine.columns(sql);
  } catch (err) {
    const message = (err as Error).message;
    const table = /no such table: (?:main\.)?([\w$]+)/.exec(message)?.[1];
    if (table) {
      const extension = extensionTableProblem(table);
      if (extension) return extension;
      const elsewhere = OSQUERY_LINUX_TABLES.has(table) || OSQUERY_OTHER_PLATFORM_TABLES.has(table) ||
        SCHEMA_PLATFORMS.some((p) => p !== platform && platformEngine(p).registry.table(table) !== undefined);
      if (elsewhere) {
        return {
          message: `Table "${table}" does not exist on ${platform}, but the query runs on ${note}; ` +
            `restrict its "platform" to where the table exists.`,
          code: "platform_table",
          severity: "error",
        };
      }
      const best = closest(table, engine.tables().map((t) => t.name));
      return {
        message: `Unknown table "${table}" on ${platform}${best ? `; did you mean "${best}"?` : "."}`,
        code: "unknown_table",
        severity: "error",
      };
    }
    const column = /no such column: ([\w$.]+)/.exec(message)?.[1];
    if (column) return columnProblem(engine, sql, column, ` (${platform})`);
    return { message: `The SQL does not prepare on ${platform}: ${message}`, code: "sql", severity: "error" };
  }
  return requiredProblem(engine, sql);
}

/** The keys osquery reads from a query (and the documentation keys packs commonly carry). */
const QUERY_KEYS = [
  "query",
  "interval",
  "platform",
  "version",
  "shard",
  "snapshot",
  "removed",
  "denylist",
  "startup_priority",
  "description",
  "value",
  "oncall",
];

/** Keys osquery ignores without a word (a typo silently changes behaviour) and a shard outside 1-100. */
function checkQueryKeys(
  json: JsonObject,
  at: (string | number)[],
  add: (parts: (string | number)[], message: string, code: string, severity?: "error" | "warning") => void,
): void {
  for (const [key] of json.members) {
    if (QUERY_KEYS.includes(key)) continue;
    const best = closest(key, QUERY_KEYS);
    add(
      [...at, key],
      `Unknown query key "${key}"${best ? `; did you mean "${best}"?` : "."} osquery ignores it.`,
      "query_key",
      "warning",
    );
  }
  const shard = json.get("shard");
  if (shard !== undefined && !(typeof shard === "number" && Number.isInteger(shard) && shard >= 1 && shard <= 100)) {
    add(
      [...at, "shard"],
      `A shard is a whole number from 1 to 100 (the percent of hosts that run the query), not ${
        JSON.stringify(toPlain(shard))
      }.`,
      "shard",
    );
  }
}

/**
 * A table with a required column (file's path or directory, hash's path, ...) scanned without a
 * constraint on it: the query prepares but fails each time it runs. The plan text of each
 * virtual-table scan says whether its required column is constrained.
 */
export function requiredProblem(engine: Engine, sql: string): SqlProblem | undefined {
  let unsatisfied: boolean;
  try {
    unsatisfied = engine.query(`EXPLAIN ${sql}`).some((r) => r.opcode === "VFilter" && String(r.p4).startsWith("0;"));
  } catch {
    return undefined;
  }
  if (!unsatisfied) return undefined;
  const tables = referencedTables(sql).map((t) => engine.registry.table(t)).filter((t) => t !== undefined)
    .filter((t) => t.columns.some((c) => c.required));
  const names = tables.map((t) => `${t.name} (${t.columns.filter((c) => c.required).map((c) => c.name).join(" or ")})`);
  return {
    message: `${names.length ? names.join(", ") : "A table"} is scanned without a constraint on its required ` +
      `column; the query fails when it runs. Add one to WHERE, e.g. path = '/etc/hosts'.`,
    code: "required_column",
    severity: "error",
  };
}

function platformNote(pack: Pack, q: ScheduledQuery): string {
  const value = q.platform || pack.platform;
  return value ? `platform "${value}" (${platformsOf(value).join(", ")})` : "every platform";
}

interface SqlProblem {
  message: string;
  code: string;
  severity: "error" | "warning";
}

function checkSql(
  engine: Engine,
  sql: string,
  note: string | undefined,
  findings: ConfigProblem[],
  file: string,
  path: string,
): void {
  const p = sqlProblem(engine, sql, note);
  if (p) findings.push({ file, path, message: p.message, severity: p.severity, code: p.code });
}

/** Why `sql` does not prepare against our schemas, or undefined when it does. */
export function sqlProblem(engine: Engine, sql: string, platformText = "Linux"): SqlProblem | undefined {
  try {
    engine.columns(sql);
    return undefined;
  } catch (err) {
    const message = (err as Error).message;
    const table = /no such table: (?:main\.)?([\w$]+)/.exec(message)?.[1];
    if (table) {
      if (OSQUERY_LINUX_TABLES.has(table)) {
        return {
          message: `Table "${table}" is an osquery Linux table not implemented by osq yet; this query cannot run here.`,
          code: "not_implemented",
          severity: "warning",
        };
      }
      const extension = extensionTableProblem(table);
      if (extension) return extension;
      if (OSQUERY_OTHER_PLATFORM_TABLES.has(table)) {
        return {
          message: `Table "${table}" does not exist on Linux, but the query runs on ${platformText}; ` +
            `restrict its "platform" to where the table exists.`,
          code: "platform_table",
          severity: "error",
        };
      }
      const known = [...engine.tables().map((t) => t.name), ...OSQUERY_LINUX_TABLES];
      const best = closest(table, known);
      return {
        message: `Unknown table "${table}"${best ? `; did you mean "${best}"?` : "."}`,
        code: "unknown_table",
        severity: "error",
      };
    }
    const column = /no such column: ([\w$.]+)/.exec(message)?.[1];
    if (column) return columnProblem(engine, sql, column, "");
    return { message: `The SQL does not prepare: ${message}`, code: "sql", severity: "error" };
  }
}

/** A table a well-known extension provides (see {@linkcode KNOWN_EXTENSION_TABLES}). */
function extensionTableProblem(table: string): SqlProblem | undefined {
  const provider = KNOWN_EXTENSION_TABLES.get(table);
  if (!provider) return undefined;
  return {
    message: `Table "${table}" comes from ${provider}, not osquery; the query runs where that extension is loaded.`,
    code: "extension_table",
    severity: "warning",
  };
}

function columnProblem(engine: Engine, sql: string, column: string, platformText: string): SqlProblem {
  const bare = column.split(".").pop() ?? column;
  const tables = referencedTables(sql).map((t) => engine.registry.table(t)).filter((t) => t !== undefined);
  const names = tables.flatMap((t) => t.columns.flatMap((c) => [c.name, ...(c.aliases ?? [])]));
  const best = closest(bare, names);
  const where = tables.length ? ` in ${tables.map((t) => t.name).join(", ")}${platformText}` : platformText;
  return {
    message: `Unknown column "${column}"${where}${best ? `; did you mean "${best}"?` : "."}`,
    code: "unknown_column",
    severity: "error",
  };
}

/** Table names after FROM/JOIN (a cheap scan, enough to suggest column names). */
function referencedTables(sql: string): string[] {
  const out = new Set<string>();
  for (const m of sql.matchAll(/\b(?:from|join)\s+([A-Za-z_][\w]*)/gi)) out.add(m[1]);
  return [...out];
}

/**
 * True when the prepared program provably never reaches a ResultRow: no result columns, or
 * every path to ResultRow is cut by a constant-false test or an unconditional jump (LIMIT 0,
 * WHERE 0, WHERE 1 = 2). Programs with coroutines or unknown opcodes are assumed to return rows.
 */
export function cannotReturnRows(engine: Engine, sql: string): boolean {
  let ops: { addr: number; opcode: string; p1: number; p2: number; p3: number }[];
  try {
    if (engine.columns(sql).length === 0) return true;
    ops = engine.query(`EXPLAIN ${sql}`).map((r) => ({
      addr: Number(r.addr),
      opcode: String(r.opcode),
      p1: Number(r.p1),
      p2: Number(r.p2),
      p3: Number(r.p3),
    }));
  } catch {
    return false;
  }
  // Registers written once with a constant are constants everywhere.
  const writes = new Map<number, number>();
  const constants = new Map<number, number | string | null>();
  for (const op of ops) {
    if (WRITES_P2.has(op.opcode)) writes.set(op.p2, (writes.get(op.p2) ?? 0) + 1);
  }
  for (const op of ops) {
    if (writes.get(op.p2) !== 1) continue;
    if (op.opcode === "Integer") constants.set(op.p2, op.p1);
    if (op.opcode === "Null") constants.set(op.p2, null);
  }
  const reached = new Set<number>();
  const todo = [0];
  while (todo.length) {
    const addr = todo.pop()!;
    if (addr < 0 || addr >= ops.length || reached.has(addr)) continue;
    reached.add(addr);
    const op = ops[addr];
    const next = addr + 1;
    switch (op.opcode) {
      case "ResultRow":
        return false;
      case "Halt":
        break;
      case "Goto":
      case "Init":
        todo.push(op.p2);
        break;
      case "If":
      case "IfNot": {
        const v = constants.get(op.p1);
        if (constants.has(op.p1) && v !== null) {
          const truthy = Number(v) !== 0;
          todo.push((op.opcode === "If") === truthy ? op.p2 : next);
        } else todo.push(op.p2, next);
        break;
      }
      case "Eq":
      case "Ne":
      case "Lt":
      case "Le":
      case "Gt":
      case "Ge": {
        const a = constants.get(op.p3);
        const b = constants.get(op.p1);
        if (constants.has(op.p1) && constants.has(op.p3) && typeof a === "number" && typeof b === "number") {
          const jump = compare(op.opcode, a, b);
          todo.push(jump ? op.p2 : next);
        } else todo.push(op.p2, next);
        break;
      }
      case "Jump":
        todo.push(op.p1, op.p2, op.p3);
        break;
      case "Gosub":
        todo.push(op.p2, next);
        break;
      case "Return":
        break;
      default:
        if (JUMPS_P2.has(op.opcode)) todo.push(op.p2, next);
        else if (PLAIN.has(op.opcode)) todo.push(next);
        else return false; // unknown control flow: assume rows are possible
    }
  }
  return true;
}

function compare(opcode: string, a: number, b: number): boolean {
  switch (opcode) {
    case "Eq":
      return a === b;
    case "Ne":
      return a !== b;
    case "Lt":
      return a < b;
    case "Le":
      return a <= b;
    case "Gt":
      return a > b;
    default:
      return a >= b;
  }
}

const WRITES_P2 = new Set(["Integer", "Int64", "String8", "String", "Real", "Null", "Blob", "Variable"]);
const JUMPS_P2 = new Set([
  "IsNull",
  "NotNull",
  "Once",
  "Rewind",
  "Last",
  "Next",
  "Prev",
  "SorterNext",
  "SorterSort",
  "Sort",
  "VFilter",
  "VNext",
  "DecrJumpZero",
  "IfPos",
  "IfNotZero",
  "NotExists",
  "NotFound",
  "Found",
  "NoConflict",
  "SeekLT",
  "SeekLE",
  "SeekGE",
  "SeekGT",
  "SeekRowid",
  "IdxLT",
  "IdxLE",
  "IdxGT",
  "IdxGE",
  "RowSetRead",
  "RowSetTest",
  "ElseEq",
  "IfNullRow",
  "IfSmaller",
  "MustBeInt",
  "Filter",
  "IfNoHope",
  "SorterCompare",
  "IfEmpty",
  "IsType",
  "SeekScan",
  "IfNotOpen",
]);
const PLAIN = new Set([
  ...WRITES_P2,
  "Copy",
  "SCopy",
  "IntCopy",
  "Move",
  "VOpen",
  "VColumn",
  "VCheck",
  "VInitIn",
  "Column",
  "Transaction",
  "TableLock",
  "OpenRead",
  "OpenEphemeral",
  "OpenPseudo",
  "OpenAutoindex",
  "OpenDup",
  "Function",
  "PureFunc",
  "Add",
  "Subtract",
  "Multiply",
  "Divide",
  "Remainder",
  "Concat",
  "BitAnd",
  "BitOr",
  "ShiftLeft",
  "ShiftRight",
  "Not",
  "BitNot",
  "Cast",
  "Affinity",
  "MakeRecord",
  "Rowid",
  "NullRow",
  "Close",
  "AggStep",
  "AggStep1",
  "AggFinal",
  "AggValue",
  "AggInverse",
  "SorterOpen",
  "SorterInsert",
  "SorterData",
  "IdxInsert",
  "Insert",
  "NewRowid",
  "Noop",
  "Explain",
  "CollSeq",
  "RealAffinity",
  "Compare",
  "Sequence",
  "ReleaseReg",
  "ZeroOrNull",
  "Count",
  "Trace",
  "Expire",
  "Offset",
  "DeferredSeek",
  "IdxRowid",
  "ColumnsUsed",
  "BeginSubrtn",
  "IsTrue",
  "ResetSorter",
  "OffsetLimit",
  "FilterAdd",
  "SeekHit",
  "SeekEnd",
  "ClrSubtype",
  "GetSubtype",
  "SetSubtype",
]);
