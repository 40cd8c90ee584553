/**
 * The config: sources (path → JSON text) parsed and validated into packs of scheduled queries,
 * options, decorators, views and the other sections osquery knows. Every problem names the
 * file, the JSON path and what is wrong; a problem in one entry skips that entry (as osquery
 * does) while the rest of the config still loads.
 *
 * @module
 */
import "./flags.ts";
import { nodeCrypto } from "../runtime/node_builtins.ts";
import { flags } from "../flags/flags.ts";
import { JsonObject, jsonPath, JsonSyntaxError, jsonType, type JsonValue, parseJson, toPlain } from "./json.ts";
import { originalPosition, stripConfigComments, type StrippedText } from "./strip.ts";
import { checkPlatform, checkShard, versionAtLeast } from "./platform.ts";

/** Largest config source after comment stripping (osquery: 4 MiB). */
export const MAX_CONFIG_SIZE = 4 * 1024 * 1024;
/** Deepest JSON nesting a config may have (osquery: 32). */
export const MAX_CONFIG_DEPTH = 32;
/** Longest query interval in seconds (one week). */
export const MAX_QUERY_INTERVAL = 604800;
/** `startup_priority` meaning "do not run at startup" (osquery's UINT64_MAX). */
export const NO_STARTUP_PRIORITY = Number.MAX_SAFE_INTEGER;
/** Query names may not start with these (they are database key prefixes in osquery). */
export const RESERVED_PREFIXES = ["query.", "cache.", "config_views."];
/** Query names may not end with these. */
export const RESERVED_SUFFIXES = ["epoch", "counter"];

/** The top-level keys osquery's built-in parsers read. */
export const TOP_LEVEL_KEYS = [
  "options",
  "schedule",
  "packs",
  "decorators",
  "file_paths",
  "file_paths_query",
  "file_accesses",
  "exclude_paths",
  "yara",
  "events",
  "views",
  "auto_table_construction",
  "feature_vectors",
  "prometheus_targets",
  "kafka_topics",
  "logger",
];

/** One finding about a config or pack. */
export interface ConfigProblem {
  /** The file (or source name) the problem is in. */
  file: string;
  /** JSON path of the offending value, e.g. `schedule.users.interval`. */
  path: string;
  /** 1-based line and column in the file, when known. */
  line?: number;
  column?: number;
  /** What is wrong, in a sentence. */
  message: string;
  /** "error": the source or entry is rejected; "warning": accepted but probably not meant. */
  severity: "error" | "warning";
  /** A short stable kind, for machine readers (e.g. `json`, `interval`, `unknown_table`). */
  code?: string;
  /** The scheduled name of the query this problem drops from the schedule (the rest applies). */
  dropped?: string;
}

/** Formats a problem as `file:line:col: path: message`. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  return `${where}: ${p.path}: ${p.message}`;
}

/** Raised when a config cannot be used at all (no source parsed, or a source is unreadable). */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.filter((p) => p.severity === "error").map(formatProblem).join("\n") || "The config is not valid.");
    this.name = "ConfigError";
  }
}

/** A scheduled query with osquery's defaults applied. */
export interface ScheduledQuery {
  /** The pack ("main" for the top-level `schedule`). */
  pack: string;
  /** The query's name inside its pack. */
  name: string;
  /** The name results are logged under: the query name, or pack<D>pack<D>name. */
  scheduledName: string;
  query: string;
  interval: number;
  snapshot: boolean;
  removed: boolean;
  denylist: boolean;
  /** Run once at startup in this order; {@linkcode NO_STARTUP_PRIORITY} = not at startup. */
  startupPriority: number;
  platform: string;
  version: string;
  shard: number;
  oncall: string;
  /** The query's JSON object, kept when linting (to check keys osquery ignores). */
  json?: JsonObject;
}

/** A pack: queries plus the filters that decide whether it runs here. */
export interface Pack {
  name: string;
  /** The config source that declared it. */
  source: string;
  platform: string;
  version: string;
  shard: number;
  oncall: string;
  discovery: string[];
  /** Queries that pass their own filters, sorted by startup priority then name. */
  queries: ScheduledQuery[];
  /** Platform, version and shard admit this host (discovery is checked by the scheduler). */
  applicable: boolean;
  /** Where the pack was read: its file's reporter and the JSON paths of the pack and its queries. */
  origin?: { reporter: Reporter; base: (string | number)[]; queriesPath: (string | number)[] };
}

/** Decorator queries by when they run. */
export interface Decorators {
  load: string[];
  always: string[];
  /** Interval (a multiple of 60 s) → queries. */
  interval: Map<number, string[]>;
}

/** A raw config source as read by a config plugin. */
export interface ConfigSource {
  /** Its name (the file path for the filesystem plugin). */
  name: string;
  text: string;
  /** Set when the plugin did not read it (not a regular file, over --read_max): why. */
  skipped?: string;
}

/** A pack file a config plugin resolved from a `packs` string value. */
export interface PackFile {
  /** The pack's name (for `*` globs, the file's stem). */
  name: string;
  /** Where it came from. */
  path: string;
  text: string;
  /** Set when the file was not read (not a regular file, over --read_max, blocking): why. */
  skipped?: string;
}

/** Resolves a `packs` string value (path or `*` glob, named in config source `source`) to pack files; throws with a reason. */
export type PackResolver = (name: string, value: string, source: string) => PackFile[];

/** The merged, validated config. */
export interface Config {
  sources: ConfigSource[];
  /** `options` merged across sources, as flag text values. */
  options: Map<string, string>;
  packs: Pack[];
  decorators: Decorators;
  views: Map<string, string>;
  /** The other sections, as plain JSON per key, merged across sources (later sources win per key). */
  sections: Map<string, unknown>;
  problems: ConfigProblem[];
  /** SHA-1 of the sources' text. */
  hash: string;
}

/** Scheduled name of a query: unchanged in `main`, else pack<D>pack<D>query. */
export function scheduledName(pack: string, query: string, delimiter = flags.string("pack_delimiter")): string {
  return pack === "main" ? query : `pack${delimiter}${pack}${delimiter}${query}`;
}

/** Problems and locations for one parsed file. */
export class Reporter {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
    readonly stripped?: StrippedText,
    readonly locations?: Map<string, { line: number; column: number }[]>,
  ) {}

  /** Records a problem at `parts`; `occurrence` picks among duplicate keys (0 = first). */
  add(
    parts: readonly (string | number)[],
    message: string,
    severity: "error" | "warning" = "error",
    occurrence = 0,
    code?: string,
  ): void {
    const path = jsonPath(parts);
    const all = this.locations?.get(path);
    const loc = all?.[Math.min(occurrence, all.length - 1)];
    let line: number | undefined;
    let column: number | undefined;
    if (loc) {
      [line, column] = this.stripped ? originalPosition(this.stripped, loc.line, loc.column) : [loc.line, loc.column];
    }
    this.problems.push({ file: this.file, path, line, column, message, severity, ...(code ? { code } : {}) });
  }
}

/** Parses one JSON document the osquery way (comments stripped, size and depth limited). */
export function parseConfigText(
  file: string,
  raw: string,
  problems: ConfigProblem[],
): { value: JsonObject; reporter: Reporter } | undefined {
  const stripped = stripConfigComments(raw);
  if (new TextEncoder().encode(stripped.text).length > MAX_CONFIG_SIZE) {
    problems.push({
      file,
      path: "(top level)",
      message: `The content is larger than ${MAX_CONFIG_SIZE} bytes after removing comments; split it into ${
        file.endsWith(".conf") ? "several files" : "<config_path>.d/*.conf files"
      }.`,
      severity: "error",
    });
    return undefined;
  }
  // An empty document (`--config_path=/dev/null`, an emptied drop-in) is an empty config, as
  // osquery takes /dev/null.
  if (stripped.text.trim() === "") {
    return { value: new JsonObject(), reporter: new Reporter(file, problems, stripped, new Map()) };
  }
  try {
    const parsed = parseJson(stripped.text, MAX_CONFIG_DEPTH);
    const reporter = new Reporter(file, problems, stripped, parsed.locations);
    if (!(parsed.value instanceof JsonObject)) {
      reporter.add([], `The document must be a JSON object, not ${jsonType(parsed.value)}.`);
      return undefined;
    }
    return { value: parsed.value, reporter };
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    const [line, column] = originalPosition(stripped, err.line, err.column);
    problems.push({
      file,
      path: "(top level)",
      line,
      column,
      message: `Invalid JSON: ${err.message}.`,
      severity: "error",
      code: "json",
    });
    return undefined;
  }
}

/** osquery's JSON::valueToSize: numbers and numeric strings; anything else is 0. */
function toSize(value: JsonValue | undefined): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  return undefined;
}

/** osquery's JSON::valueToBool. */
function toBool(value: JsonValue | undefined, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") return ["true", "1", "yes", "on"].includes(value.toLowerCase());
  return fallback;
}

function stringOf(value: JsonValue | undefined): string {
  return typeof value === "string" ? value : "";
}

/**
 * Reads a pack object into a {@linkcode Pack}. `base` is the JSON path of the pack inside its
 * file (empty for a pack file of its own).
 */
export function readPack(
  name: string,
  source: string,
  obj: JsonObject,
  reporter: Reporter,
  base: (string | number)[] = [],
  queriesPath: (string | number)[] = [...base, "queries"],
  keepAll = false,
): Pack {
  const shard = toSize(obj.get("shard")) ?? 0;
  if (obj.has("shard") && (shard < 0 || shard > 100 || toSize(obj.get("shard")) === undefined)) {
    reporter.add(
      [...base, "shard"],
      `A shard must be a number from 1 to 100 (0 = every host), not ${show(obj.get("shard"))}.`,
    );
  }
  const platform = stringOf(obj.get("platform"));
  const version = stringOf(obj.get("version"));
  const oncall = typeof obj.get("oncall") === "string" ? stringOf(obj.get("oncall")) : "unknown";
  const discovery: string[] = [];
  const disc = obj.get("discovery");
  if (disc !== undefined && disc !== null) {
    if (!Array.isArray(disc)) reporter.add([...base, "discovery"], `"discovery" must be an array of SQL strings.`);
    else {
      disc.forEach((d, i) => {
        if (typeof d === "string") discovery.push(d);
        else reporter.add([...base, "discovery", i], `A discovery query must be a SQL string, not ${jsonType(d)}.`);
      });
    }
  }
  const pack: Pack = {
    name,
    source,
    platform,
    version,
    shard,
    oncall,
    discovery,
    queries: [],
    applicable: checkShard(shard) && checkPlatform(platform) && versionAtLeast(version),
    origin: { reporter, base, queriesPath },
  };
  for (const key of ["platform", "version", "oncall"]) {
    const v = obj.get(key);
    if (v !== undefined && v !== null && typeof v !== "string") {
      reporter.add([...base, key], `"${key}" must be a string, not ${jsonType(v)}.`);
    }
  }
  const queries = obj.get("queries");
  if (queries === undefined || queries === null) return pack;
  if (!(queries instanceof JsonObject)) {
    reporter.add(queriesPath, `"queries" must be an object of name → query, not ${jsonType(queries)}.`);
    return pack;
  }
  const seen = new Map<string, number>();
  for (const [queryName, q] of queries.members) {
    const at = [...queriesPath, queryName];
    const count = seen.get(queryName) ?? 0;
    seen.set(queryName, count + 1);
    if (count > 0) {
      reporter.add(
        at,
        `Duplicate query name "${queryName}": only the first definition is used.`,
        "error",
        count,
        "duplicate",
      );
      continue;
    }
    const parsed = tagDropped(
      reporter,
      () => scheduledName(pack.name, queryName),
      () => readQuery(pack, queryName, q, reporter, at, keepAll),
    );
    if (parsed) pack.queries.push(parsed);
  }
  pack.queries.sort((a, b) =>
    a.startupPriority !== b.startupPriority
      ? a.startupPriority - b.startupPriority
      : a.name < b.name
      ? -1
      : a.name > b.name
      ? 1
      : 0
  );
  return pack;
}

function show(value: JsonValue | undefined): string {
  if (value instanceof JsonObject || Array.isArray(value)) return jsonType(value);
  return JSON.stringify(value);
}

/**
 * Runs `read` (the reading of one query); when it gives undefined the query is dropped, and the
 * errors it reported are tagged with the name `dropped` gives, so the daemon and --config_check
 * can name the query (osquery warns and goes on with the rest).
 */
function tagDropped<T>(reporter: Reporter, dropped: () => string, read: () => T | undefined): T | undefined {
  const before = reporter.problems.length;
  const result = read();
  if (!result) {
    for (const p of reporter.problems.slice(before)) {
      if (p.severity === "error") p.dropped ??= dropped();
    }
  }
  return result;
}

/** Reads one query of a pack; undefined when it is invalid or filtered out for this host. */
function readQuery(
  pack: Pack,
  name: string,
  q: JsonValue,
  reporter: Reporter,
  at: (string | number)[],
  keepAll: boolean,
): ScheduledQuery | undefined {
  if (!(q instanceof JsonObject)) {
    reporter.add(at, `A query must be an object with at least "query", not ${jsonType(q)}.`);
    return undefined;
  }
  const reserved = RESERVED_PREFIXES.find((p) => name.startsWith(p)) ??
    RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (reserved) {
    reporter.add(
      at,
      `The query name "${name}" ${
        name.startsWith(reserved) ? "starts" : "ends"
      } with "${reserved}", which osquery reserves; rename it.`,
    );
    return undefined;
  }
  const sql = q.get("query");
  if (typeof sql !== "string" || sql.trim() === "") {
    reporter.add(sql === undefined ? at : [...at, "query"], `The query needs a "query" string with its SQL.`);
    return undefined;
  }
  let interval = flags.number("schedule_default_interval");
  if (q.has("interval")) {
    const n = toSize(q.get("interval"));
    if (n === undefined || !Number.isFinite(n) || Math.floor(n) < 1 || n > MAX_QUERY_INTERVAL) {
      reporter.add(
        [...at, "interval"],
        `The interval must be a whole number of seconds from 1 to ${MAX_QUERY_INTERVAL}, not ${
          show(q.get("interval"))
        }.`,
        "error",
        0,
        "interval",
      );
      return undefined;
    }
    interval = Math.floor(n);
  }
  for (const key of ["snapshot", "removed", "denylist"]) {
    const v = q.get(key);
    if (v !== undefined && typeof v !== "boolean") {
      reporter.add([...at, key], `"${key}" should be true or false, not ${show(v)}.`, "warning");
    }
  }
  const shard = toSize(q.get("shard")) ?? 0;
  const platform = stringOf(q.get("platform"));
  const version = stringOf(q.get("version"));
  const startup = q.has("startup_priority") ? toSize(q.get("startup_priority")) : undefined;
  if (q.has("startup_priority") && (startup === undefined || startup < 0)) {
    reporter.add([...at, "startup_priority"], `"startup_priority" must be a non-negative number.`);
  }
  if (!keepAll && (!checkShard(shard) || !checkPlatform(platform) || !versionAtLeast(version))) return undefined;
  return {
    pack: pack.name,
    name,
    scheduledName: scheduledName(pack.name, name),
    query: sql,
    interval,
    snapshot: toBool(q.get("snapshot"), false),
    removed: toBool(q.get("removed"), true),
    denylist: toBool(q.get("denylist"), true),
    startupPriority: startup !== undefined && startup >= 0 ? startup : NO_STARTUP_PRIORITY,
    platform,
    version,
    shard,
    oncall: pack.oncall,
    ...(keepAll ? { json: q } : {}),
  };
}

/** Options for {@linkcode buildConfig}. */
export interface BuildOptions {
  /** Resolves `packs` string values (default: no resolver, such packs are reported). */
  resolvePack?: PackResolver;
  /** Keep queries whose platform, version or shard exclude this host (for linting). */
  keepAll?: boolean;
}

/**
 * Parses and validates sources into a {@linkcode Config}. Sources are read in name order (as
 * osquery's source map is). A source that does not parse is skipped with an error problem.
 */
export function buildConfig(sources: ConfigSource[], options: BuildOptions = {}): Config {
  const problems: ConfigProblem[] = [];
  const config: Config = {
    sources: [...sources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    options: new Map(),
    packs: [],
    decorators: { load: [], always: [], interval: new Map() },
    views: new Map(),
    sections: new Map(),
    problems,
    hash: nodeCrypto().createHash("sha1").update(sources.map((s) => s.name + "\0" + s.text).join("\0")).digest("hex"),
  };
  for (const source of config.sources) {
    if (source.skipped !== undefined) {
      problems.push({
        file: source.name,
        path: "(top level)",
        message: `Skipped: the file ${source.skipped}.`,
        severity: "warning",
      });
      continue;
    }
    const parsed = parseConfigText(source.name, source.text, problems);
    if (!parsed) continue;
    const { value, reporter } = parsed;
    for (const [key, section] of value.members) {
      if (!TOP_LEVEL_KEYS.includes(key)) {
        reporter.add([key], `Unknown top-level key "${key}" is ignored.`, "warning");
        continue;
      }
      if (section === null) continue;
      switch (key) {
        case "options":
          readOptions(section, reporter, config.options);
          break;
        case "schedule":
          if (!(section instanceof JsonObject)) {
            reporter.add([key], `"schedule" must be an object of name → query, not ${jsonType(section)}.`);
            break;
          }
          {
            const wrapper = new JsonObject();
            wrapper.members.push(["queries", section]);
            config.packs.push(readPack("main", source.name, wrapper, reporter, [], ["schedule"], options.keepAll));
          }
          break;
        case "packs":
          readPacks(section, source.name, reporter, config, options);
          break;
        case "decorators":
          readDecorators(section, reporter, config.decorators);
          break;
        case "views":
          if (!(section instanceof JsonObject)) {
            reporter.add([key], `"views" must be an object of name → SQL, not ${jsonType(section)}.`);
            break;
          }
          for (const [name, sql] of section.members) {
            if (typeof sql !== "string") {
              reporter.add([key, name], `A view must be a SQL string, not ${jsonType(sql)}.`);
            } else config.views.set(name, sql);
          }
          break;
        default:
          if (!(section instanceof JsonObject) && !Array.isArray(section)) {
            reporter.add([key], `"${key}" must be an object or an array, not ${jsonType(section)}.`);
            break;
          }
          if (key === "file_accesses" && !Array.isArray(section)) {
            reporter.add([key], `"file_accesses" must be an array of category names.`);
            break;
          }
          if (
            ["file_paths", "exclude_paths", "file_paths_query"].includes(key) && section instanceof JsonObject
          ) {
            for (const [category, globs] of section.members) {
              if (!Array.isArray(globs) || globs.some((g) => typeof g !== "string")) {
                reporter.add(
                  [key, category],
                  `Each category must list ${key === "file_paths_query" ? "SQL" : "path"} strings.`,
                );
              }
            }
          }
          config.sections.set(key, mergeSection(config.sections.get(key), toPlain(section)));
      }
    }
  }
  return config;
}

function mergeSection(previous: unknown, next: unknown): unknown {
  if (Array.isArray(previous) && Array.isArray(next)) return [...previous, ...next];
  if (previous && next && typeof previous === "object" && typeof next === "object" && !Array.isArray(next)) {
    return { ...(previous as Record<string, unknown>), ...(next as Record<string, unknown>) };
  }
  return next;
}

function readOptions(section: JsonValue, reporter: Reporter, out: Map<string, string>): void {
  if (!(section instanceof JsonObject)) {
    reporter.add(["options"], `"options" must be an object of flag → value, not ${jsonType(section)}.`);
    return;
  }
  for (const [name, value] of section.members) {
    let text: string;
    if (typeof value === "string") text = value;
    else if (typeof value === "boolean") text = value ? "true" : "false";
    else if (typeof value === "number") text = String(Math.trunc(value) === value ? value : Math.trunc(value));
    else if (value === null) {
      reporter.add(["options", name], `Option "${name}" has no value.`, "warning");
      continue;
    } else text = JSON.stringify(toPlain(value));
    if (text === "" || name === "") continue;
    if (name.startsWith("custom_")) {
      out.set(name, text);
      continue;
    }
    if (!flags.has(name)) {
      reporter.add(["options", name], `Unknown flag "${name}" cannot be set; it is ignored.`, "warning");
      continue;
    }
    if (flags.spec(name).cliOnly) {
      reporter.add(
        ["options", name],
        `--${name} can only be set on the command line or in a flagfile; this option is ignored.`,
        "warning",
      );
      continue;
    }
    try {
      // Validate the text against the flag's type without changing the flag yet.
      validateFlagValue(name, text);
      out.set(name, text);
    } catch (err) {
      reporter.add(["options", name], (err as Error).message);
    }
  }
}

/** Throws the flag registry's error when `text` is not a valid value for flag `name`. */
function validateFlagValue(name: string, text: string): void {
  const before = flags.get(name);
  const source = flags.source(name);
  flags.set(name, text, "config");
  flags.set(name, before, source);
}

function readPacks(
  section: JsonValue,
  source: string,
  reporter: Reporter,
  config: Config,
  options: BuildOptions,
): void {
  const resolve = options.resolvePack;
  const keepAll = options.keepAll ?? false;
  if (!(section instanceof JsonObject)) {
    reporter.add(["packs"], `"packs" must be an object of name → pack or path, not ${jsonType(section)}.`);
    return;
  }
  for (const [name, value] of section.members) {
    if (value instanceof JsonObject) {
      if (name === "*") {
        for (const [inner, obj] of value.members) {
          if (obj instanceof JsonObject) {
            config.packs.push(readPack(inner, source, obj, reporter, ["packs", name, inner], undefined, keepAll));
          } else reporter.add(["packs", name, inner], `A pack must be an object, not ${jsonType(obj)}.`);
        }
      } else config.packs.push(readPack(name, source, value, reporter, ["packs", name], undefined, keepAll));
      continue;
    }
    if (typeof value !== "string") {
      reporter.add(["packs", name], `A pack must be an object or a path to a pack file, not ${jsonType(value)}.`);
      continue;
    }
    if (!resolve) {
      reporter.add(["packs", name], `The pack file ${value} cannot be read by this config plugin.`);
      continue;
    }
    let files: PackFile[];
    try {
      files = resolve(name, value, source);
    } catch (err) {
      reporter.add(["packs", name], (err as Error).message);
      continue;
    }
    if (name === "*" && files.length === 0) {
      reporter.add(["packs", name], `No pack files match ${value}.`, "warning");
    }
    for (const file of files) {
      if (file.skipped !== undefined) {
        reporter.add(["packs", name], `The pack file ${file.path} is skipped: it ${file.skipped}.`, "warning");
        continue;
      }
      const parsed = parseConfigText(file.path, file.text, reporter.problems);
      if (!parsed) continue;
      config.packs.push(readPack(file.name, source, parsed.value, parsed.reporter, [], undefined, keepAll));
    }
  }
}

function readDecorators(section: JsonValue, reporter: Reporter, out: Decorators): void {
  if (!(section instanceof JsonObject)) {
    reporter.add(["decorators"], `"decorators" must be an object with "load", "always" or "interval".`);
    return;
  }
  const list = (v: JsonValue, at: (string | number)[]): string[] => {
    if (!Array.isArray(v)) {
      reporter.add(at, `Decorator queries must be an array of SQL strings, not ${jsonType(v)}.`);
      return [];
    }
    const sqls: string[] = [];
    v.forEach((s, i) => {
      if (typeof s === "string") sqls.push(s);
      else reporter.add([...at, i], `A decorator query must be a SQL string, not ${jsonType(s)}.`);
    });
    return sqls;
  };
  for (const [kind, value] of section.members) {
    if (kind === "load" || kind === "always") out[kind].push(...list(value, ["decorators", kind]));
    else if (kind === "interval") {
      if (!(value instanceof JsonObject)) {
        reporter.add(["decorators", kind], `"interval" must be an object of seconds → SQL array.`);
        continue;
      }
      for (const [seconds, sqls] of value.members) {
        const n = Number(seconds);
        if (!Number.isInteger(n) || n <= 0 || n % 60 !== 0) {
          reporter.add(
            ["decorators", kind, seconds],
            `Decorator interval ${seconds} is not a positive multiple of 60 seconds; these decorators are ignored.`,
            "warning",
          );
          continue;
        }
        out.interval.set(n, [...(out.interval.get(n) ?? []), ...list(sqls, ["decorators", kind, seconds])]);
      }
    } else {reporter.add(
        ["decorators", kind],
        `Unknown decorator type "${kind}" (use load, always or interval).`,
        "warning",
      );}
  }
}

/** True when a config has at least one error-severity problem. */
export function hasErrors(config: Config): boolean {
  return config.problems.some((p) => p.severity === "error");
}

/**
 * Applies config `options` to the flag registry (config values override the command line,
 * as in osquery). Returns the names that changed.
 */
export function applyOptions(config: Config): string[] {
  const changed: string[] = [];
  for (const [name, text] of config.options) {
    if (name.startsWith("custom_") && !flags.has(name)) {
      flags.define({ name, type: "string", default: "", description: "A custom option from the config." });
    }
    try {
      if (String(flags.get(name)) !== text) changed.push(name);
      flags.set(name, text, "config");
    } catch {
      // Already reported as a problem when the config was built.
    }
  }
  return changed;
}

/** Every scheduled query of the applicable packs, in pack order. */
export function scheduledQueries(config: Config): ScheduledQuery[] {
  return config.packs.filter((p) => p.applicable).flatMap((p) => p.queries);
}
