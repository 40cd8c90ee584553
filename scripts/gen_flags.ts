/**
 * Generates osq's catalogue of osquery's flags from an osquery source checkout:
 *
 *   deno run -A scripts/gen_flags.ts /path/to/osquery [--version 5.23.1]
 *
 * It scans osquery's C++ sources (`osquery/`, `plugins/`; tests and tools left out) for the
 * `FLAG`, `HIDDEN_FLAG`, `CLI_FLAG`, `EXTENSION_FLAG`, `SHELL_FLAG` definitions and the
 * `*_FLAG_ALIAS` ones, and writes
 *
 * - `testdata/reference/osquery_flags.json`: name, type, default, kind and platforms of every flag
 *   (the list the catalogue test reads), and the aliases;
 * - `core/flags/catalogue_data.ts`: the same data as a TypeScript module every face loads.
 *
 * Only facts are taken (names, types, defaults, kinds, platforms); osquery's descriptions are not
 * copied: `description` is null, and osq's own modules describe the flags they act on.
 *
 * @module
 */

/** The kinds of osquery flag definitions. */
type Kind = "FLAG" | "HIDDEN_FLAG" | "CLI_FLAG" | "EXTENSION_FLAG" | "SHELL_FLAG";

interface FlagRecord {
  name: string;
  type: string;
  default: string | number | boolean | null;
  /** The C++ default expression, when it is not a literal the script can evaluate. */
  default_expr?: string;
  kind: Kind;
  /** Platforms whose osquery build defines the flag (all four when not platform-specific). */
  platforms: string[];
  description: null;
  source: string;
}

interface AliasRecord {
  alias: string;
  target: string;
  kind: "FLAG_ALIAS" | "SHELL_FLAG_ALIAS" | "EXTENSION_FLAG_ALIAS";
}

const ALL_PLATFORMS = ["darwin", "freebsd", "linux", "windows"];
const TYPES = new Set(["bool", "string", "int32", "uint32", "int64", "uint64", "double"]);

function usage(): never {
  console.error("usage: deno run -A scripts/gen_flags.ts OSQUERY_CHECKOUT [--version X.Y.Z]");
  Deno.exit(2);
}

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      if (entry.name === "tests" || entry.name === "test" || entry.name === "benchmarks") continue;
      yield* sourceFiles(path);
    } else if (/\.(cpp|h|mm|c)$/.test(entry.name)) yield path;
  }
}

/** Replaces comments with spaces (keeping line breaks and string literals). */
function stripComments(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const chunk = text.slice(i, end < 0 ? text.length : end + 2);
      out += chunk.replace(/[^\n]/g, " ");
      i = (end < 0 ? text.length : end + 2) - 1;
    } else out += c;
  }
  return out;
}

/** Platforms a file is built for, from its path. */
function pathPlatforms(path: string): string[] {
  const parts = path.split("/");
  if (parts.includes("windows")) return ["windows"];
  if (parts.includes("darwin")) return ["darwin"];
  if (parts.includes("linux")) return ["linux"];
  if (parts.includes("freebsd")) return ["freebsd"];
  if (parts.includes("posix")) return ["darwin", "freebsd", "linux"];
  return ALL_PLATFORMS;
}

/** Platforms a preprocessor condition selects, or undefined when it is not about the platform. */
function conditionPlatforms(condition: string): string[] | undefined {
  const c = condition.replace(/\s+/g, " ").trim();
  const negated = /^(!|ndef )/.test(c.replace(/^(if|ifdef|ifndef) /, (m) => m === "ifndef " ? "ndef " : ""));
  const names: string[] = [];
  if (/WIN32|OSQUERY_WINDOWS|_WIN64/.test(c)) names.push("windows");
  if (/__APPLE__|OSQUERY_DARWIN|__MACH__/.test(c)) names.push("darwin");
  if (/__linux__|OSQUERY_LINUX|__linux/.test(c)) names.push("linux");
  if (/__FreeBSD__|OSQUERY_FREEBSD/.test(c)) names.push("freebsd");
  if (/OSQUERY_POSIX|__unix__/.test(c)) names.push("darwin", "freebsd", "linux");
  if (names.length === 0) return undefined;
  const set = [...new Set(names)];
  return negated ? ALL_PLATFORMS.filter((p) => !set.includes(p)) : set;
}

/** Splits a macro's argument text at top-level commas. */
function splitArgs(body: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < body.length && body[j] !== c) j += body[j] === "\\" ? 2 : 1;
      i = j;
    } else if (c === "(" || c === "{" || c === "[") depth++;
    else if (c === ")" || c === "}" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      args.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  args.push(body.slice(start).trim());
  return args;
}

/** The text between the parenthesis at `open` and its match. */
function balanced(text: string, open: number): string | undefined {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
      i = j;
    } else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return text.slice(open + 1, i);
  }
  return undefined;
}

function unescapeC(s: string): string {
  return s.replace(/\\(["'\\nt])/g, (_, c: string) => c === "n" ? "\n" : c === "t" ? "\t" : c);
}

/** Evaluates a default expression when it is a literal, a string concatenation or simple integer arithmetic. */
function evaluate(expr: string, type: string, constants: Map<string, string>): string | number | boolean | undefined {
  // `(fs::path(DIR) / "file").make_preferred().string()` is DIR joined with file.
  let e = expr.trim().replace(/^\(fs::path\((\w+)\)\s*\/\s*("[^"]*")\)\.make_preferred\(\)\.string\(\)$/, "$1 $2");
  // Substitute known constants (macros such as OSQUERY_DB_HOME expand to string literals).
  for (let i = 0; i < 4; i++) {
    e = e.replace(/(?<![\w"])([A-Z_a-z]\w*)(?![\w"])/g, (word) => constants.get(word) ?? word);
  }
  if (type === "bool") {
    if (e === "true") return true;
    if (e === "false") return false;
    return undefined;
  }
  if (type === "string") {
    const parts = e.match(/"(?:[^"\\]|\\.)*"/g);
    if (parts && parts.join("").replace(/\s/g, "") === e.replace(/\s/g, "")) {
      return parts.map((p) => unescapeC(p.slice(1, -1))).join("");
    }
    return undefined;
  }
  // Numbers: literals, casts, + - * / << and parentheses, with constants substituted.
  const substituted = e.replace(/\b[A-Za-z_]\w*\b/g, (word) => constants.get(word) ?? word)
    .replace(/\((?:std::)?(?:size_t|u?int\d*_t|int|long|unsigned|double)\)/g, "")
    .replace(/\b(\d+(?:\.\d+)?)(?:U?LL|UL|U|L|ull|ul|u|l|f)\b/g, "$1");
  if (!/^[\d\s+\-*/().<>]+$/.test(substituted)) return undefined;
  try {
    const value = Function(`"use strict"; return (${substituted});`)() as unknown;
    return typeof value === "number" && Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Simple constants a file defines (`const size_t kX = 10;`, `#define X 10`). */
function fileConstants(text: string): Map<string, string> {
  const constants = new Map<string, string>();
  for (const m of text.matchAll(/(?:const|constexpr)\s+[\w:<>\s]+?\s+(k\w+)\s*(?:=|\{)\s*([^;{}]+?)\s*\}?\s*;/g)) {
    constants.set(m[1], m[2]);
  }
  for (const m of text.matchAll(/^#define\s+(\w+)\s+([^\n]+)$/gm)) constants.set(m[1], m[2].trim());
  return constants;
}

const MACRO =
  /\b(FLAG|HIDDEN_FLAG|CLI_FLAG|EXTENSION_FLAG|SHELL_FLAG|FLAG_ALIAS|SHELL_FLAG_ALIAS|EXTENSION_FLAG_ALIAS)\s*\(/g;

/** Scans one file's definitions. */
function scan(
  path: string,
  raw: string,
  root: string,
  globals: Map<string, string>,
): { flags: FlagRecord[]; aliases: AliasRecord[] } {
  const text = stripComments(raw);
  const constants = new Map([...globals, ...fileConstants(text)]);
  const flags: FlagRecord[] = [];
  const aliases: AliasRecord[] = [];
  // Preprocessor platform state per line.
  const lines = text.split("\n");
  const lineStart: number[] = [];
  let offset = 0;
  for (const line of lines) {
    lineStart.push(offset);
    offset += line.length + 1;
  }
  const platformsAtLine: string[][] = [];
  const stack: { cond: string[] | undefined; inElse: boolean }[] = [];
  const base = pathPlatforms(path.slice(root.length));
  for (const line of lines) {
    const m = line.match(/^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/);
    if (m) {
      const [, directive, rest] = m;
      if (directive === "if" || directive === "ifdef" || directive === "ifndef") {
        stack.push({ cond: conditionPlatforms(`${directive} ${rest}`), inElse: false });
      } else if (directive === "elif") {
        const top = stack.at(-1);
        if (top) top.cond = conditionPlatforms(`if ${rest}`);
      } else if (directive === "else") {
        const top = stack.at(-1);
        if (top && top.cond) top.cond = ALL_PLATFORMS.filter((p) => !top.cond!.includes(p));
        if (top) top.inElse = true;
      } else stack.pop();
    }
    let current = base;
    for (const frame of stack) if (frame.cond) current = current.filter((p) => frame.cond!.includes(p));
    platformsAtLine.push(current);
  }
  const lineOf = (index: number) => {
    let lo = 0, hi = lineStart.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStart[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  for (const m of text.matchAll(MACRO)) {
    const index = m.index!;
    // A definition starts a statement: only whitespace before it on its line.
    const line = lineOf(index);
    if (text.slice(lineStart[line], index).trim() !== "") continue;
    if (/^\s*#\s*define\b/.test(lines[line])) continue;
    const body = balanced(text, index + m[0].length - 1);
    if (body === undefined) continue;
    const args = splitArgs(body);
    const macro = m[1];
    if (macro.endsWith("_ALIAS")) {
      const kind = macro as AliasRecord["kind"];
      if (kind === "EXTENSION_FLAG_ALIAS" && args.length === 2) aliases.push({ alias: args[0], target: args[1], kind });
      else if (args.length === 3) aliases.push({ alias: args[1], target: args[2], kind });
      continue;
    }
    if (args.length !== 4) continue;
    const [type, name, defaultExpr] = args;
    if (!TYPES.has(type) || !/^\w+$/.test(name)) continue;
    const value = evaluate(defaultExpr, type, constants);
    const record: FlagRecord = {
      name,
      type,
      default: value ?? null,
      kind: macro as Kind,
      platforms: platformsAtLine[line],
      description: null,
      source: path.slice(root.length + 1),
    };
    if (value === undefined) record.default_expr = defaultExpr.replace(/\s+/g, " ");
    flags.push(record);
  }
  return { flags, aliases };
}

/**
 * Constants flag defaults use across files: the Linux default paths (osquery's
 * `default_paths.h`, first block) and `k…` constants headers define.
 */
async function globalConstants(root: string): Promise<Map<string, string>> {
  const globals = new Map<string, string>();
  for (const dir of ["osquery", "plugins"]) {
    for await (const file of sourceFiles(`${root}/${dir}`)) {
      if (!file.endsWith(".h")) continue;
      for (const [k, v] of fileConstants(stripComments(await Deno.readTextFile(file)))) {
        if (k.startsWith("k") && !globals.has(k)) globals.set(k, v);
      }
    }
  }
  const paths = stripComments(await Deno.readTextFile(`${root}/osquery/utils/config/default_paths.h`));
  const linux = paths.slice(paths.indexOf("#if defined(__linux__)"), paths.indexOf("#elif"));
  for (const m of linux.matchAll(/^#define\s+(\w+)\s+([^\n]+)$/gm)) globals.set(m[1], m[2].trim());
  globals.set("LOG_LOCAL3", String(19 << 3)); // syslog.h: facility 19, shifted.
  return globals;
}

async function detectVersion(root: string): Promise<string> {
  const git = new Deno.Command("git", { args: ["-C", root, "describe", "--tags", "--abbrev=0"], stderr: "null" });
  const out = await git.output().catch(() => undefined);
  const tag = out?.success ? new TextDecoder().decode(out.stdout).trim() : "";
  if (!/^\d+\.\d+\.\d+$/.test(tag)) {
    throw new Error(`Cannot tell the osquery version of ${root} (not a git checkout at a tag): pass --version X.Y.Z`);
  }
  return tag;
}

async function main(args: string[]): Promise<void> {
  const positional = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--version");
  if (positional.length !== 1) usage();
  const root = positional[0].replace(/\/+$/, "");
  const vi = args.indexOf("--version");
  const version = vi >= 0 ? args[vi + 1] : await detectVersion(root);
  const globals = await globalConstants(root);
  const flags: FlagRecord[] = [];
  const aliases: AliasRecord[] = [];
  for (const dir of ["osquery", "plugins"]) {
    const files: string[] = [];
    for await (const file of sourceFiles(`${root}/${dir}`)) files.push(file);
    files.sort();
    for (const file of files) {
      const found = scan(file, await Deno.readTextFile(file), root, globals);
      flags.push(...found.flags);
      aliases.push(...found.aliases);
    }
  }
  // A flag defined on several platforms in several files (e.g. one per OS) is one flag.
  const byName = new Map<string, FlagRecord>();
  for (const flag of flags) {
    const seen = byName.get(flag.name);
    if (!seen) byName.set(flag.name, flag);
    else seen.platforms = [...new Set([...seen.platforms, ...flag.platforms])].sort();
  }
  const merged = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  aliases.sort((a, b) => a.alias.localeCompare(b.alias));
  const here = new URL("..", import.meta.url).pathname;
  const reference = { osquery_version: version, generated_by: "scripts/gen_flags.ts", flags: merged, aliases };
  await Deno.mkdir(`${here}testdata/reference`, { recursive: true });
  await Deno.writeTextFile(`${here}testdata/reference/osquery_flags.json`, JSON.stringify(reference, null, 2) + "\n");
  const entries = merged.map((f) => {
    const entry: Record<string, unknown> = { name: f.name, type: f.type, default: f.default, kind: f.kind };
    if (f.platforms.length !== ALL_PLATFORMS.length) entry.platforms = f.platforms;
    return entry;
  });
  const module = catalogueModule(version, entries, aliases.map((a) => ({ alias: a.alias, target: a.target })));
  await Deno.writeTextFile(`${here}core/flags/catalogue_data.ts`, module);
  // Keep the module in the repository's format so a regeneration shows only real changes.
  await new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", `${here}core/flags/catalogue_data.ts`] }).output();
  console.log(`${merged.length} flags, ${aliases.length} aliases from osquery ${version}`);
}

/**
 * The text of core/flags/catalogue_data.ts. The flags and aliases are JSON text in a string that
 * the module parses once (JSON.parse), not an object literal: V8 parses JSON several times faster
 * than the same data as JavaScript, and every command loads this module at start-up.
 */
export function catalogueModule(
  version: string,
  entries: readonly Record<string, unknown>[],
  aliases: readonly { alias: string; target: string }[],
): string {
  const data = JSON.stringify({ flags: entries, aliases });
  return `// Generated by scripts/gen_flags.ts from osquery ${version}'s sources. Do not edit.
/**
 * Every flag osquery ${version} defines: name, gflags type, default (null when osquery computes it),
 * definition kind and, when platform-specific, the platforms whose build defines it.
 *
 * The data is JSON text parsed once when the module loads (JSON.parse is much cheaper for V8 than
 * an object literal of the same data; scripts/gen_flags.ts writes it).
 *
 * @module
 */
import type { CatalogueAlias, CatalogueFlag } from "./flags.ts";

/** The osquery version the catalogue was generated from. */
export const OSQUERY_FLAGS_VERSION = ${JSON.stringify(version)};

const data: { flags: CatalogueFlag[]; aliases: CatalogueAlias[] } = JSON.parse(
  ${JSON.stringify(data)},
);

/** osquery's flags, sorted by name. */
export const OSQUERY_FLAGS: readonly CatalogueFlag[] = data.flags;

/** osquery's flag aliases (another name setting the same flag). */
export const OSQUERY_FLAG_ALIASES: readonly CatalogueAlias[] = data.aliases;
`;
}

if (import.meta.main) await main(Deno.args);
