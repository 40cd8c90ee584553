/**
 * Regenerates testdata/reference/ — the table schemas and example-pack queries osq's tests check
 * against — from an osquery source checkout, so the repository carries its reference data and a
 * way to refresh it when osquery changes.
 *
 *   deno run -A scripts/gen_reference.ts OSQUERY_CHECKOUT [--out DIR] [--check] [--commit SHA]
 *     [--osquery-version X.Y.Z] [--compare DIR]
 *
 * OSQUERY_CHECKOUT is a directory holding osquery's `specs/` and `packs/` (a clone, or an extract
 * of one), or a git repository without a work tree (its HEAD is read). The commit and version
 * recorded in the output come from `git` there (`describe --tags`), or from --commit and
 * --osquery-version. testdata/reference/ was made from github osquery/osquery @ a5b14f63:
 *   deno run -A scripts/gen_reference.ts path/to/osquery  (a checkout or a bare clone)
 * --check compares instead of writing and exits 1 on a difference. --compare DIR reports where the
 * generated data differs from other reference files of the same shape (extra fields those files
 * carry, such as descriptions, are ignored).
 *
 * What is kept: for each table osquery builds on Linux, its name, spec folder, aliases, attributes,
 * build condition, implementation pointer and columns with their types and options; for each pack
 * query, its SQL, interval, platforms, version, whether osquery schedules it on Linux, and the
 * tables it reads. osquery's prose (descriptions, examples) is left out: osq writes its own.
 *
 * @module
 */

function join(...parts: string[]): string {
  return parts.join("/").replace(/\/+/g, "/");
}

// ---------------------------------------------------------------------------------------------
// Table specs: osquery writes them in a small Python vocabulary; this reads that subset.
// ---------------------------------------------------------------------------------------------

/** A spec file could not be read; the message names the file and the place. */
export class SpecSyntaxError extends Error {
  constructor(file: string, offset: number, source: string, what: string) {
    const line = source.slice(0, offset).split("\n").length;
    super(`${file}:${line}: ${what} (update scripts/gen_reference.ts if osquery's spec vocabulary grew)`);
    this.name = "SpecSyntaxError";
  }
}

type Token =
  | { kind: "name"; text: string; at: number }
  | { kind: "string"; text: string; at: number }
  | { kind: "number"; text: string; at: number }
  | { kind: "punct"; text: string; at: number };

function tokenize(file: string, source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c) || c === "\\" && source[i + 1] === "\n") {
      i += c === "\\" ? 2 : 1;
    } else if (c === "#") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < source.length && /[A-Za-z0-9_]/.test(source[i])) i++;
      const text = source.slice(start, i);
      // String prefixes (r"", u"") read as the string that follows.
      if (/^[rRuU]$/.test(text) && (source[i] === '"' || source[i] === "'")) continue;
      tokens.push({ kind: "name", text, at: start });
    } else if (/[0-9]/.test(c) || c === "-" && /[0-9]/.test(source[i + 1] ?? "")) {
      const start = i;
      i++;
      while (i < source.length && /[0-9A-Fa-fxX.]/.test(source[i])) i++;
      tokens.push({ kind: "number", text: source.slice(start, i), at: start });
    } else if (c === '"' || c === "'") {
      const start = i;
      const triple = source.startsWith(c.repeat(3), i);
      const close = triple ? c.repeat(3) : c;
      i += close.length;
      let text = "";
      for (;;) {
        if (i >= source.length) throw new SpecSyntaxError(file, start, source, "unterminated string");
        if (source.startsWith(close, i)) {
          i += close.length;
          break;
        }
        const ch = source[i];
        if (ch === "\n" && !triple) throw new SpecSyntaxError(file, start, source, "unterminated string");
        if (ch === "\\") {
          const next = source[i + 1];
          const escapes: Record<string, string> = { n: "\n", t: "\t", "\\": "\\", "'": "'", '"': '"', "\n": "" };
          text += escapes[next] ?? `\\${next}`;
          i += 2;
        } else {
          text += ch;
          i++;
        }
      }
      tokens.push({ kind: "string", text, at: start });
    } else if ("()[]{},=+:.".includes(c)) {
      tokens.push({ kind: "punct", text: c, at: i });
      i++;
    } else {
      throw new SpecSyntaxError(file, i, source, `unexpected character ${JSON.stringify(c)}`);
    }
  }
  return tokens;
}

/** A value in a spec: strings, numbers, booleans, lists and calls (Column, ForeignKey, ...). */
type SpecValue = string | number | boolean | null | SpecValue[] | SpecCall;
interface SpecCall {
  call: string;
  args: SpecValue[];
  kwargs: Record<string, SpecValue>;
}

function isCall(v: SpecValue): v is SpecCall {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Names a spec may use, as gentable defines them. */
const CONSTANTS: Record<string, SpecValue> = {
  True: true,
  False: false,
  None: null,
  TEXT: "TEXT",
  DATE: "DATE",
  DATETIME: "DATETIME",
  INTEGER: "INTEGER",
  BIGINT: "BIGINT",
  UNSIGNED_BIGINT: "UNSIGNED_BIGINT",
  DOUBLE: "DOUBLE",
  BLOB: "BLOB",
  UNKNOWN: "UNKNOWN",
  UTILITY: "UTILITY",
  SYSTEM: "SYSTEM",
  NETWORK: "NETWORK",
  EVENTS: "EVENTS",
  APPLICATION: "APPLICATION",
  WINDOWS: ["windows", "win32", "cygwin"],
  LINUX: ["linux"],
  POSIX: ["linux", "darwin"],
  DARWIN: ["darwin"],
};

class SpecParser {
  #pos = 0;
  constructor(readonly file: string, readonly source: string, readonly tokens: Token[]) {}

  #fail(what: string): never {
    const at = this.tokens[this.#pos]?.at ?? this.source.length;
    throw new SpecSyntaxError(this.file, at, this.source, what);
  }
  #peek(): Token | undefined {
    return this.tokens[this.#pos];
  }
  #punct(text: string): boolean {
    const t = this.#peek();
    if (t?.kind === "punct" && t.text === text) {
      this.#pos++;
      return true;
    }
    return false;
  }
  #expect(text: string): void {
    if (!this.#punct(text)) this.#fail(`expected "${text}"`);
  }

  /** The top-level statements: each is a call. */
  statements(): SpecCall[] {
    const out: SpecCall[] = [];
    while (this.#pos < this.tokens.length) {
      const value = this.#expression();
      if (!isCall(value)) this.#fail("expected a call such as table_name(...)");
      out.push(value);
    }
    return out;
  }

  #expression(): SpecValue {
    let value = this.#term();
    while (this.#punct("+")) {
      const right = this.#term();
      if (Array.isArray(value) && Array.isArray(right)) value = [...value, ...right];
      else if (typeof value === "string" && typeof right === "string") value += right;
      else this.#fail("'+' joins two lists or two strings only");
    }
    return value;
  }

  #term(): SpecValue {
    const t = this.#peek();
    if (!t) this.#fail("unexpected end of file");
    if (t.kind === "string") {
      let text = "";
      while (this.#peek()?.kind === "string") text += this.tokens[this.#pos++].text;
      return text;
    }
    if (t.kind === "number") {
      this.#pos++;
      return Number(t.text);
    }
    if (t.kind === "name") {
      this.#pos++;
      if (this.#punct("(")) return { call: t.text, ...this.#arguments() };
      if (t.text in CONSTANTS) return CONSTANTS[t.text];
      this.#fail(`unknown name ${t.text}`);
    }
    if (this.#punct("[")) return this.#list("]");
    if (this.#punct("(")) {
      const inner = this.#expression();
      if (this.#punct(",")) {
        const rest = this.#list(")");
        return [inner, ...rest];
      }
      this.#expect(")");
      return inner;
    }
    return this.#fail(`unexpected ${JSON.stringify(t.text)}`);
  }

  #list(close: string): SpecValue[] {
    const items: SpecValue[] = [];
    while (!this.#punct(close)) {
      items.push(this.#expression());
      if (!this.#punct(",")) {
        this.#expect(close);
        break;
      }
    }
    return items;
  }

  #arguments(): { args: SpecValue[]; kwargs: Record<string, SpecValue> } {
    const args: SpecValue[] = [];
    const kwargs: Record<string, SpecValue> = {};
    while (!this.#punct(")")) {
      const t = this.#peek();
      const next = this.tokens[this.#pos + 1];
      if (t?.kind === "name" && next?.kind === "punct" && next.text === "=") {
        this.#pos += 2;
        kwargs[t.text] = this.#expression();
      } else {
        args.push(this.#expression());
      }
      if (!this.#punct(",")) {
        this.#expect(")");
        break;
      }
    }
    return { args, kwargs };
  }
}

/** One column as the reference records it. */
export interface ReferenceColumn {
  name: string;
  type: string;
  required?: true;
  index?: true;
  additional?: true;
  optimized?: true;
  /** The spec marks the column hidden. */
  hidden?: true;
  /** Not in `SELECT *` on Linux: hidden, or declared only for other platforms. */
  hidden_on_linux?: true;
  collate?: string;
  aliases?: string[];
}

/** One table as the reference records it. */
export interface ReferenceTable {
  name: string;
  /** The folder of specs/ the spec lives in, "(root)" for specs/ itself. */
  folder: string;
  aliases: string[];
  attributes: Record<string, boolean>;
  event_table: boolean;
  utility_table: boolean;
  /** The CMake condition the table is built under, or null when it always is. */
  build_condition: string | null;
  /** osquery's implementation, "file@function", for looking up behaviour. */
  osquery_source: string;
  columns: ReferenceColumn[];
}

const COLUMN_FLAGS = ["required", "index", "additional", "optimized"] as const;

function stringOf(v: SpecValue | undefined, what: string, file: string): string {
  if (typeof v !== "string") throw new Error(`${file}: ${what} must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function stringsOf(v: SpecValue | undefined, what: string, file: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== "string")) {
    throw new Error(`${file}: ${what} must be a list of strings, got ${JSON.stringify(v)}`);
  }
  return v as string[];
}

function columnOf(call: SpecCall, linuxPlatform: boolean, file: string): ReferenceColumn {
  const name = stringOf(call.args[0], "a column name", file);
  const type = stringOf(call.args[1], `the type of column ${name}`, file);
  const column: ReferenceColumn = { name, type };
  for (const flag of COLUMN_FLAGS) if (call.kwargs[flag] === true) column[flag] = true;
  const hidden = call.kwargs.hidden === true;
  if (hidden) column.hidden = true;
  if (hidden || !linuxPlatform) column.hidden_on_linux = true;
  if (call.kwargs.collate !== undefined) column.collate = stringOf(call.kwargs.collate, `collate of ${name}`, file);
  const aliases = stringsOf(call.kwargs.aliases, `aliases of ${name}`, file);
  if (aliases.length) column.aliases = aliases;
  return column;
}

/** Reads one `.table` spec into its reference entry. */
export function parseTableSpec(
  file: string,
  source: string,
  place: { folder: string; buildCondition: string | null },
): ReferenceTable {
  const statements = new SpecParser(file, source, tokenize(file, source)).statements();
  let name: string | undefined;
  let aliases: string[] = [];
  let implementation = "";
  const attributes: Record<string, boolean> = {};
  const columns: ReferenceColumn[] = [];
  const addColumns = (list: SpecValue | undefined, linuxPlatform: boolean) => {
    if (!Array.isArray(list)) throw new Error(`${file}: a schema must be a list of columns`);
    for (const item of list) {
      if (!isCall(item)) throw new Error(`${file}: a schema holds Column(...) entries`);
      if (item.call === "Column") columns.push(columnOf(item, linuxPlatform, file));
      else if (item.call !== "ForeignKey") throw new Error(`${file}: unknown schema entry ${item.call}(...)`);
    }
  };
  for (const s of statements) {
    switch (s.call) {
      case "table_name":
        name = stringOf(s.args[0], "table_name", file);
        aliases = stringsOf(s.kwargs.aliases ?? s.args[1], "table aliases", file);
        break;
      case "schema":
        columns.length = 0;
        addColumns(s.args[0], true);
        break;
      case "extended_schema": {
        const platforms = stringsOf(s.args[0], "extended_schema's platforms", file);
        addColumns(s.args[1], platforms.includes("linux"));
        break;
      }
      case "attributes":
        // Only the attributes a spec turns on: osquery treats an absent one as off.
        for (const [k, v] of Object.entries(s.kwargs)) if (v === true) attributes[k] = true;
        break;
      case "implementation":
        implementation = stringOf(s.args[0], "implementation", file);
        break;
      case "description":
      case "examples":
      case "fuzz_paths":
      case "notes":
        break;
      default:
        throw new Error(`${file}: unknown statement ${s.call}(...)`);
    }
  }
  if (!name) throw new Error(`${file}: no table_name(...)`);
  return {
    name,
    folder: place.folder,
    aliases,
    attributes,
    event_table: attributes.event_subscriber === true,
    utility_table: attributes.utility === true,
    build_condition: place.buildCondition,
    osquery_source: implementation,
    columns,
  };
}

/** A spec osquery compiles on Linux, with the CMake condition it depends on (if any). */
export interface LinuxSpec {
  path: string;
  buildCondition: string | null;
}

/**
 * Reads specs/CMakeLists.txt for the specs osquery builds on Linux: the platform-independent ones
 * and those whose platform list names linux, with the `if(...)` they sit under.
 */
export function linuxSpecFiles(cmake: string): LinuxSpec[] {
  const out: LinuxSpec[] = [];
  const conditions: string[] = [];
  let collecting: { list: string; condition: string | null } | undefined;
  for (const raw of cmake.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) continue;
    if (collecting) {
      const closing = line.endsWith(")");
      for (const word of line.replace(/\)$/, "").split(/\s+/).filter(Boolean)) {
        const entry = word.replace(/^"|"$/g, "");
        if (collecting.list === "platform_independent_spec_files") {
          out.push({ path: entry, buildCondition: collecting.condition });
        } else {
          const [path, platforms = ""] = entry.split(":");
          if (platforms.split(",").includes("linux")) out.push({ path, buildCondition: collecting.condition });
        }
      }
      if (closing) collecting = undefined;
      continue;
    }
    const open = line.match(
      /^(?:set|list\(APPEND)\s*\(?\s*(platform_independent_spec_files|platform_dependent_spec_files)\b(.*)$/,
    );
    if (open) {
      const condition = conditions.length ? conditions[conditions.length - 1] : null;
      collecting = { list: open[1], condition };
      const rest = open[2].trim();
      if (rest) {
        // Entries on the opening line (`list(APPEND x cpuid.table)`).
        const closing = rest.endsWith(")");
        for (const word of rest.replace(/\)$/, "").split(/\s+/).filter(Boolean)) {
          const entry = word.replace(/^"|"$/g, "");
          const [path, platforms] = entry.split(":");
          if (platforms === undefined || platforms.split(",").includes("linux")) {
            out.push({ path, buildCondition: condition });
          }
        }
        if (closing) collecting = undefined;
      }
      continue;
    }
    const ifMatch = line.match(/^if\s*\((.*)\)$/i);
    if (ifMatch) {
      conditions.push(ifMatch[1].replace(/\s+STREQUAL\s+/g, " == ").replaceAll('"', "").trim());
      continue;
    }
    if (/^endif\s*\(/i.test(line)) conditions.pop();
    // Lists are built inside generateNativeTables(); conditions never span functions.
    if (/^(endfunction|function)\s*\(/i.test(line)) conditions.length = 0;
  }
  return out;
}

/** Reads every Linux table spec of an osquery checkout, sorted by table name. */
export async function readTables(checkout: string): Promise<ReferenceTable[]> {
  const specs = join(checkout, "specs");
  const cmake = await Deno.readTextFile(join(specs, "CMakeLists.txt"));
  const tables: ReferenceTable[] = [];
  for (const spec of linuxSpecFiles(cmake)) {
    const file = join(specs, spec.path);
    const slash = spec.path.lastIndexOf("/");
    const folder = slash < 0 ? "(root)" : spec.path.slice(0, slash);
    tables.push(parseTableSpec(file, await Deno.readTextFile(file), { folder, buildCondition: spec.buildCondition }));
  }
  return tables.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Every table name (and alias) any platform's spec declares: what a pack query may read. */
export async function allTableNames(checkout: string): Promise<Set<string>> {
  const names = new Set<string>();
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.name.endsWith(".table")) {
        const source = await Deno.readTextFile(path);
        for (const m of source.matchAll(/^table_name\(\s*["']([A-Za-z0-9_]+)["'](.*)$/gm)) {
          names.add(m[1]);
          for (const alias of m[2].matchAll(/["']([A-Za-z0-9_]+)["']/g)) names.add(alias[1]);
        }
      }
    }
  };
  await walk(join(checkout, "specs"));
  return names;
}

// ---------------------------------------------------------------------------------------------
// Packs
// ---------------------------------------------------------------------------------------------

/** One query of an example pack. */
export interface ReferencePackQuery {
  pack: string;
  name: string;
  /** The name osquery schedules it under. */
  scheduled_name: string;
  query: string;
  interval: number | string;
  platform: string | null;
  pack_platform: string | null;
  /** osquery 5 on Linux schedules it: the pack's and the query's platform and version allow it. */
  linux_applicable: boolean;
  version: string | null;
  snapshot?: boolean;
  removed?: boolean;
  /** osquery tables the SQL reads (sorted). */
  tables_referenced: string[];
}

/** Whether osquery on Linux accepts a pack or query `platform` value (osquery's checkPlatform). */
export function platformAllowsLinux(platform: string | null | undefined): boolean {
  if (!platform || platform === "null") return true;
  return ["any", "all", "linux", "ubuntu", "centos", "posix"].some((word) => platform.includes(word));
}

/** Whether a `version` requirement is met by osquery `running` (dotted numbers compared in order). */
export function versionAllows(required: string | null | undefined, running: string): boolean {
  if (!required) return true;
  const want = required.split(".").map((n) => parseInt(n, 10) || 0);
  const have = running.split(".").map((n) => parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(want.length, have.length); i++) {
    if ((have[i] ?? 0) !== (want[i] ?? 0)) return (have[i] ?? 0) > (want[i] ?? 0);
  }
  return true;
}

const SQL_KEYWORDS = new Set([
  "select",
  "where",
  "on",
  "using",
  "group",
  "order",
  "limit",
  "union",
  "intersect",
  "except",
  "having",
  "as",
  "natural",
  "left",
  "right",
  "inner",
  "outer",
  "cross",
  "full",
  "join",
  "from",
  "window",
  "values",
]);

/**
 * The tables a query reads: the names in table position (after FROM or JOIN, and each entry of a
 * comma-separated FROM list, in subqueries too) that are osquery tables. CTE names and aliases are
 * not osquery tables, so they drop out.
 */
export function tablesReferenced(sql: string, known: Set<string>): string[] {
  const tokens: string[] = [];
  const re =
    /\s+|--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|"((?:[^"]|"")*)"|`([^`]*)`|\[([^\]]*)\]|([A-Za-z_][A-Za-z0-9_$]*)|(\d+(?:\.\d+)?)|(.)/g;
  for (const m of sql.matchAll(re)) {
    if (m[0].trim() === "" || m[0].startsWith("--") || m[0].startsWith("/*")) continue;
    if (m[0].startsWith("'")) tokens.push("'string'");
    else if (m[1] !== undefined || m[2] !== undefined || m[3] !== undefined) {
      tokens.push(`"${(m[1] ?? m[2] ?? m[3]).toLowerCase()}`);
    } else tokens.push((m[4] ?? m[5] ?? m[6]).toLowerCase());
  }
  const ident = (t: string | undefined) =>
    t !== undefined && (t.startsWith('"') || (/^[a-z_]/.test(t) && !SQL_KEYWORDS.has(t)));
  const found = new Set<string>();
  // Per parenthesis depth: whether that group stands where a table would (a subquery in FROM).
  const groupInFrom: boolean[] = [];
  // Whether the tokens just read continue a FROM list at this depth (a ',' adds another table).
  let fromList: boolean[] = [false];
  const depth = () => groupInFrom.length;
  let i = 0;
  const tableAt = (at: number): number => {
    // A table or subquery at tokens[at]; returns where its alias ends.
    const t = tokens[at];
    if (t === "(") return at;
    if (!ident(t)) return at;
    let j = at + 1;
    if (tokens[j] === ".") j += 2; // schema.table: the schema is not a table
    const name = (tokens[j - 1] ?? "").replace(/^"/, "");
    if (tokens[j] === "(") return j; // a table-valued function
    if (known.has(name)) found.add(name);
    return j;
  };
  while (i < tokens.length) {
    const t = tokens[i];
    if (t === "from" || t === "join") {
      fromList[depth()] = true;
      i = tableAt(i + 1);
      continue;
    }
    if (t === "(") {
      groupInFrom.push(
        fromList[depth()] === true && (tokens[i - 1] === "from" || tokens[i - 1] === "join" ||
          tokens[i - 1] === ","),
      );
      fromList = [...fromList, false];
      i++;
      continue;
    }
    if (t === ")") {
      groupInFrom.pop();
      fromList = fromList.slice(0, -1);
      i++;
      continue;
    }
    if (t === "," && fromList[depth()]) {
      i = tableAt(i + 1);
      continue;
    }
    if (
      ["where", "group", "order", "limit", "having", "union", "intersect", "except", "select", "on", "using"].includes(
        t,
      )
    ) {
      fromList[depth()] = false;
    }
    i++;
  }
  return [...found].sort();
}

/** Reads packs/*.conf of an osquery checkout: every query, in pack order then the pack's order. */
export async function readPacks(checkout: string, osqueryVersion: string): Promise<ReferencePackQuery[]> {
  const dir = join(checkout, "packs");
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) if (entry.name.endsWith(".conf")) files.push(entry.name);
  files.sort();
  const known = await allTableNames(checkout);
  const out: ReferencePackQuery[] = [];
  for (const file of files) {
    const pack = file.replace(/\.conf$/, "");
    const text = await Deno.readTextFile(join(dir, file));
    let parsed: {
      platform?: string;
      version?: string;
      queries?: Record<string, Record<string, unknown>>;
    };
    try {
      // osquery lets a pack's strings continue over lines with a trailing backslash.
      parsed = JSON.parse(text.replaceAll("\\\n", ""));
    } catch (e) {
      throw new Error(`${join(dir, file)}: not JSON (${(e as Error).message})`);
    }
    const packPlatform = parsed.platform ?? null;
    for (const [name, q] of Object.entries(parsed.queries ?? {})) {
      const platform = typeof q.platform === "string" ? q.platform : null;
      const version = typeof q.version === "string" ? q.version : null;
      const query = String(q.query ?? "");
      out.push({
        pack,
        name,
        scheduled_name: `pack_${pack}_${name}`,
        query,
        // Some packs quote their intervals; osquery reads "3600" as 3600.
        interval: typeof q.interval === "string" && /^\d+$/.test(q.interval)
          ? Number(q.interval)
          : q.interval as number | string,
        platform,
        pack_platform: packPlatform,
        linux_applicable: platformAllowsLinux(packPlatform) && platformAllowsLinux(platform) &&
          versionAllows(parsed.version, osqueryVersion) && versionAllows(version, osqueryVersion),
        version,
        ...(typeof q.snapshot === "boolean" ? { snapshot: q.snapshot } : {}),
        ...(typeof q.removed === "boolean" ? { removed: q.removed } : {}),
        tables_referenced: tablesReferenced(query, known),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Output, comparison, command line
// ---------------------------------------------------------------------------------------------

/** The two reference files, as written to disk. */
export interface ReferenceFiles {
  "osquery-tables.json": string;
  "osquery-packs.json": string;
}

/** Builds the reference files' text from a checkout. */
export async function generate(checkout: string, commit: string, osqueryVersion: string): Promise<ReferenceFiles> {
  const tables = await readTables(checkout);
  const queries = await readPacks(checkout, osqueryVersion);
  const linux = queries.filter((q) => q.linux_applicable).length;
  const source = `github osquery/osquery @ ${commit} (osquery ${osqueryVersion})`;
  return {
    "osquery-tables.json": JSON.stringify(
      {
        meta: {
          about: `Schemas of the ${tables.length} tables osquery builds on Linux, read from osquery's specs/*.table ` +
            `(${source}) by scripts/gen_reference.ts. tables/conformance_test.ts holds osq's tables to them.`,
          columns_note: "hidden: the spec hides the column; hidden_on_linux: not in SELECT * on Linux (hidden, or " +
            "declared only for other platforms). DATETIME columns hold text.",
          count: tables.length,
        },
        tables,
      },
      null,
      1,
    ) + "\n",
    "osquery-packs.json": JSON.stringify(
      {
        meta: {
          about:
            `Every query of osquery's example packs (packs/*.conf, ${source}), read by scripts/gen_reference.ts, ` +
            `with whether osquery schedules it on Linux (linux_applicable: ${linux} of ${queries.length}).`,
          count: queries.length,
          linux_applicable: linux,
        },
        queries,
      },
      null,
      1,
    ) + "\n",
  };
}

/** Drops the keys `keep` does not have, recursively, so files with extra fields compare. */
function project(value: unknown, keep: unknown): unknown {
  if (Array.isArray(value) && Array.isArray(keep)) return value.map((v, i) => project(v, keep[i] ?? keep[0]));
  if (value && keep && typeof value === "object" && typeof keep === "object" && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as Record<string, unknown>)) {
      if (k in (keep as Record<string, unknown>)) {
        out[k] = project((value as Record<string, unknown>)[k], (keep as Record<string, unknown>)[k]);
      }
    }
    return out;
  }
  return value;
}

function canonical(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
        : v,
  );
}

/** Lists where other reference files differ from generated ones, entry by entry. */
export function compareReference(generated: ReferenceFiles, other: ReferenceFiles): string[] {
  const problems: string[] = [];
  const mine = JSON.parse(generated["osquery-tables.json"]).tables as ReferenceTable[];
  const theirs = JSON.parse(other["osquery-tables.json"]).tables as Record<string, unknown>[];
  const keyOf = new Map(mine.map((t) => [t.name, t]));
  const theirNames = new Set(theirs.map((t) => String(t.name)));
  for (const t of mine) if (!theirNames.has(t.name)) problems.push(`tables: ${t.name}: only in the generated data`);
  for (const t of theirs) {
    const m = keyOf.get(String(t.name));
    if (!m) {
      problems.push(`tables: ${t.name}: only in the other data`);
      continue;
    }
    // Only the fields the generated data has are compared; columns by position.
    const projected = project(t, m) as Record<string, unknown>;
    for (const key of Object.keys(m)) {
      if (key === "columns") continue;
      const a = canonical((m as unknown as Record<string, unknown>)[key]);
      const b = canonical(projected[key] ?? null);
      if (a !== b) problems.push(`tables: ${t.name}.${key}: generated ${a}, other ${b}`);
    }
    const theirColumns = (t.columns ?? []) as Record<string, unknown>[];
    for (let i = 0; i < Math.max(m.columns.length, theirColumns.length); i++) {
      const a = canonical(m.columns[i] ?? null);
      const b = canonical(theirColumns[i] ? project(theirColumns[i], COLUMN_FIELDS) : null);
      if (a !== b) problems.push(`tables: ${t.name}.columns[${i}]: generated ${a}, other ${b}`);
    }
  }
  const qm = JSON.parse(generated["osquery-packs.json"]).queries as ReferencePackQuery[];
  const qt = JSON.parse(other["osquery-packs.json"]).queries as Record<string, unknown>[];
  const byName = new Map(qt.map((q) => [`${q.pack}/${q.name}`, q]));
  for (const q of qm) {
    const id = `${q.pack}/${q.name}`;
    const o = byName.get(id);
    byName.delete(id);
    if (!o) {
      problems.push(`packs: ${id}: only in the generated data`);
      continue;
    }
    for (const key of new Set([...Object.keys(q), ...Object.keys(o)])) {
      const a = canonical((q as unknown as Record<string, unknown>)[key] ?? null);
      const b = canonical(o[key] ?? null);
      if (a !== b) problems.push(`packs: ${id}.${key}: generated ${a}, other ${b}`);
    }
  }
  for (const id of byName.keys()) problems.push(`packs: ${id}: only in the other data`);
  const order = (list: { pack?: unknown; name?: unknown }[]) => list.map((q) => `${q.pack}/${q.name}`).join("\n");
  if (problems.length === 0 && order(qm) !== order(qt)) problems.push("packs: same queries in another order");
  return problems;
}

/** Every field a generated column may carry, for projecting other files' columns onto them. */
const COLUMN_FIELDS = {
  name: "",
  type: "",
  required: true,
  index: true,
  additional: true,
  optimized: true,
  hidden: true,
  hidden_on_linux: true,
  collate: "",
  aliases: [],
};

async function git(dir: string, ...args: string[]): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("git", { args: ["-C", dir, ...args], stdout: "piped", stderr: "null" })
      .output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

async function readFiles(dir: string): Promise<ReferenceFiles> {
  return {
    "osquery-tables.json": await Deno.readTextFile(join(dir, "osquery-tables.json")),
    "osquery-packs.json": await Deno.readTextFile(join(dir, "osquery-packs.json")),
  };
}

interface Flags {
  _: string[];
  out: string;
  commit?: string;
  "osquery-version"?: string;
  compare?: string;
  check: boolean;
  help: boolean;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = {
    _: [],
    out: new URL("../testdata/reference", import.meta.url).pathname,
    check: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = arg.match(/^--([a-z-]+)(?:=(.*))?$/);
    if (!m) {
      flags._.push(arg);
      continue;
    }
    const [, name, inline] = m;
    if (name === "check" || name === "help") flags[name] = true;
    else if (name === "out" || name === "commit" || name === "osquery-version" || name === "compare") {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      flags[name] = value;
    } else throw new Error(`unknown flag --${name}; see --help`);
  }
  return flags;
}

async function main(argv: string[]): Promise<number> {
  const args = parseFlags(argv);
  const checkout = args._[0];
  if (args.help || !checkout) {
    console.error(
      "usage: deno run -A scripts/gen_reference.ts OSQUERY_CHECKOUT [--out DIR] [--check] [--commit SHA] " +
        "[--osquery-version X.Y.Z] [--compare DIR]",
    );
    return args.help ? 0 : 2;
  }
  let tree = checkout;
  let extracted: string | undefined;
  if (!(await exists(join(checkout, "specs"))) && (await git(checkout, "rev-parse", "--git-dir")) !== undefined) {
    // A repository without a work tree (a bare clone, a mirror): read HEAD's specs and packs.
    extracted = await Deno.makeTempDir({ prefix: "osquery-src-" });
    const archive = await new Deno.Command("sh", {
      args: ["-c", 'git -C "$1" archive HEAD specs packs | tar -x -C "$2"', "sh", checkout, extracted],
    }).output();
    if (!archive.success) {
      console.error(`could not read specs/ and packs/ from HEAD of ${checkout}`);
      return 2;
    }
    tree = extracted;
  }
  try {
    return await run(args, checkout, tree);
  } finally {
    if (extracted) await Deno.remove(extracted, { recursive: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function run(args: Flags, checkout: string, tree: string): Promise<number> {
  const commit = args.commit ?? (await git(checkout, "rev-parse", "--short=8", "HEAD"));
  const described = await git(checkout, "describe", "--tags", "HEAD");
  const version = args["osquery-version"] ?? described?.match(/^v?(\d+\.\d+\.\d+)/)?.[1];
  if (!commit || !version) {
    console.error(
      `${checkout} is not a git checkout with tags: pass --commit SHA and --osquery-version X.Y.Z (the osquery it holds).`,
    );
    return 2;
  }
  const files = await generate(tree, commit, version);
  if (args.compare) {
    const problems = compareReference(files, await readFiles(args.compare));
    for (const p of problems) console.log(p);
    console.log(`${problems.length} difference(s) from ${args.compare}`);
    return problems.length ? 1 : 0;
  }
  if (args.check) {
    const current = await readFiles(args.out);
    const stale = (Object.keys(files) as (keyof ReferenceFiles)[]).filter((k) => files[k] !== current[k]);
    for (const name of stale) console.log(`${join(args.out, name)} differs from what ${checkout} generates`);
    return stale.length ? 1 : 0;
  }
  await Deno.mkdir(args.out, { recursive: true });
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(join(args.out, name), text);
  console.log(`wrote ${Object.keys(files).join(", ")} to ${args.out}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
