/**
 * libyara over FFI, shared by yara_file and yara_process: compiling rules (saved rule files,
 * rule source files, rule text), scanning a file or a process's memory, and the signature groups
 * the config's `yara` section defines.
 *
 * libyara is loaded on first use. Match strings (`strings` column) are read from libyara's scan
 * context, whose layout is only known here for libyara 4.2 (soname 9, Debian bookworm's
 * libyara9); with another version rules, tags and counts are still reported and `strings` is empty.
 *
 * @module
 */
import { defineFlag, flags } from "../../core/flags/flags.ts";
import { cPath as cString, libc, type LibcSymbols } from "../../core/host/libc.ts";
import { type ColumnSpec, type QueryContext, type Row, TableError } from "../../core/table.ts";
import { onConfigSection } from "../../core/config/sections.ts";

defineFlag({
  name: "yara_delay",
  type: "uint32",
  default: 50,
  description: "Milliseconds osquery sleeps between YARA file scans; osq scans without pausing and accepts the flag.",
});
defineFlag({
  name: "enable_yara_string",
  type: "bool",
  default: false,
  hidden: true,
  description: "Report the matching strings of rules given as sigrule text (off: only sigfile and sig_group rules).",
});
defineFlag({
  name: "yara_sigurl_authenticate",
  type: "bool",
  default: false,
  description: "Authenticate sigurl rule downloads with the node key (sigurl is not supported by osq).",
});

/** Where relative sigfile paths and group files are found (osquery's YARA home). */
export const YARA_HOME = "/etc/osquery/yara/";

const SCAN_FLAGS_FAST_MODE = 1;
const CALLBACK_MSG_RULE_MATCHING = 1;
const ERROR_SUCCESS = 0;
const ERROR_INVALID_FILE = 6;
const O_RDONLY = 0;

// libyara 4.2 structure offsets (x86-64 and arm64 alike: all members are 4- or 8-byte aligned).
const RULE_IDENTIFIER = 8;
const RULE_TAGS = 16;
const RULE_STRINGS = 32;
const STRING_SIZE = 56;
const STRING_IDX = 4;
const STRING_IDENTIFIER = 48;
const STRING_FLAGS_LAST_IN_RULE = 0x1000;
const CONTEXT_MATCHES = 160;
const MATCHES_SIZE = 24;
const MATCH_BASE = 0;
const MATCH_OFFSET = 8;
const MATCH_NEXT = 40;
const MATCH_IS_PRIVATE = 52;

const yaraSymbols = {
  yr_initialize: { parameters: [], result: "i32" },
  yr_compiler_create: { parameters: ["buffer"], result: "i32" },
  yr_compiler_destroy: { parameters: ["pointer"], result: "void" },
  yr_compiler_set_callback: { parameters: ["pointer", "function", "pointer"], result: "void" },
  yr_compiler_add_fd: { parameters: ["pointer", "i32", "buffer", "buffer"], result: "i32" },
  yr_compiler_add_string: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  yr_compiler_get_rules: { parameters: ["pointer", "buffer"], result: "i32" },
  yr_rules_load: { parameters: ["buffer", "buffer"], result: "i32" },
  yr_rules_destroy: { parameters: ["pointer"], result: "i32" },
  yr_rules_scan_file: {
    parameters: ["pointer", "buffer", "i32", "function", "pointer", "i32"],
    result: "i32",
  },
  yr_rules_scan_proc: { parameters: ["pointer", "i32", "i32", "function", "pointer", "i32"], result: "i32" },
} as const;

type YaraLib = Deno.DynamicLibrary<typeof yaraSymbols>["symbols"];

interface Loaded {
  yara: YaraLib;
  libc: LibcSymbols;
  /** True when the scan-context layout above applies (libyara 4.2). */
  knownLayout: boolean;
}

let loaded: Loaded | undefined;

/** Loads libyara (and libc for file descriptors), or throws a TableError naming the package. */
export function yaraLibrary(): Loaded {
  if (!loaded) loaded = openYara();
  return loaded;
}

/** Default libyara candidates: [soname, whether the scan-context layout above applies]. */
const YARA_CANDIDATES: readonly (readonly [string, boolean])[] = [
  ["libyara.so.9", true],
  ["libyara.so.10", false],
  ["libyara.so", false],
];

/** Opens the first libyara of `candidates`; tests pass missing names to see the error. */
export function openYara(candidates: readonly (readonly [string, boolean])[] = YARA_CANDIDATES): Loaded {
  const errors: string[] = [];
  for (const [name, knownLayout] of candidates) {
    try {
      const yara = Deno.dlopen(name, yaraSymbols).symbols;
      if (yara.yr_initialize() !== ERROR_SUCCESS) throw new TableError("libyara failed to initialise (yr_initialize).");
      return { yara, libc: libc(), knownLayout };
    } catch (e) {
      if (e instanceof TableError) throw e;
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  throw new TableError(
    `libyara is not available (${errors[0]}): install the libyara9 package (Debian/Ubuntu; yara-libs on RHEL).`,
  );
}

function outPointer(buf: BigUint64Array<ArrayBuffer>): Deno.PointerValue {
  return Deno.UnsafePointer.create(buf[0]);
}

/** Raised when rules cannot be compiled or loaded; the message carries libyara's diagnostics. */
export class YaraCompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "YaraCompileError";
  }
}

/** A compiled rule set (YR_RULES*). Destroy it when done. */
export class YaraRules {
  #handle: Deno.PointerValue;
  /** Hide matching strings (rules given as text, unless enable_yara_string). */
  readonly privateStrings: boolean;

  constructor(handle: Deno.PointerValue, privateStrings = false) {
    this.#handle = handle;
    this.privateStrings = privateStrings;
  }

  /** The YR_RULES pointer. */
  get handle(): Deno.PointerValue {
    return this.#handle;
  }

  /** Frees the rules. */
  destroy(): void {
    if (this.#handle !== null) yaraLibrary().yara.yr_rules_destroy(this.#handle);
    this.#handle = null;
  }
}

/** Runs `add` against a fresh compiler and returns its rules, or throws with the compiler's messages. */
function compileWith(add: (compiler: Deno.PointerValue) => number, label: string, privateStrings: boolean): YaraRules {
  const { yara } = yaraLibrary();
  const out = new BigUint64Array(1);
  if (yara.yr_compiler_create(out) !== ERROR_SUCCESS) throw new YaraCompileError("Could not create a YARA compiler.");
  const compiler = outPointer(out);
  const messages: string[] = [];
  const callback = new Deno.UnsafeCallback(
    { parameters: ["i32", "pointer", "i32", "pointer", "pointer", "pointer"], result: "void" },
    (level, file, line, _rule, message) => {
      const where = file === null ? label : Deno.UnsafePointerView.getCString(file);
      const text = message === null ? "" : Deno.UnsafePointerView.getCString(message);
      messages.push(`${where}(${line}): ${level === 0 ? "error" : "warning"}: ${text}`);
    },
  );
  try {
    yara.yr_compiler_set_callback(compiler, callback.pointer, null);
    const errors = add(compiler);
    if (errors > 0) {
      throw new YaraCompileError(
        `YARA rules in ${label} do not compile: ${messages.filter((m) => m.includes(": error: ")).join("; ")}`,
      );
    }
    const rulesOut = new BigUint64Array(1);
    if (yara.yr_compiler_get_rules(compiler, rulesOut) !== ERROR_SUCCESS) {
      throw new YaraCompileError("libyara ran out of memory building the rules.");
    }
    return new YaraRules(outPointer(rulesOut), privateStrings);
  } finally {
    yara.yr_compiler_destroy(compiler);
    callback.close();
  }
}

/** Compiles rule text (osquery's sigrule). */
export function compileRuleText(text: string): YaraRules {
  const privateStrings = !flags.bool("enable_yara_string");
  return compileWith(
    (c) => yaraLibrary().yara.yr_compiler_add_string(c, cString(text), null),
    "sigrule",
    privateStrings,
  );
}

/** Resolves a signature path: relative ones live in osquery's YARA home. */
export function signaturePath(path: string): string {
  return path.startsWith("/") ? path : YARA_HOME + path;
}

/** Loads saved (yarac) rules, or compiles rule source files together, as osquery does. */
export function compileRuleFiles(paths: string[]): YaraRules {
  const { yara, libc } = yaraLibrary();
  if (paths.length === 1) {
    const out = new BigUint64Array(1);
    const rc = yara.yr_rules_load(cString(paths[0]), out);
    if (rc === ERROR_SUCCESS) return new YaraRules(outPointer(out));
    if (rc !== ERROR_INVALID_FILE) {
      throw new YaraCompileError(`Cannot load YARA rules from ${paths[0]} (libyara error ${rc}).`);
    }
  }
  for (const p of paths) {
    let isFile = false;
    try {
      isFile = Deno.statSync(p).isFile;
    } catch {
      // Reported below.
    }
    if (!isFile) throw new YaraCompileError(`The YARA rule file ${p} does not exist or is not a file.`);
  }
  return compileWith(
    (compiler) => {
      let errors = 0;
      for (const p of paths) {
        const fd = libc.open(cString(p), O_RDONLY, 0);
        if (fd < 0) throw new YaraCompileError(`Cannot open the YARA rule file ${p}.`);
        try {
          errors += yara.yr_compiler_add_fd(compiler, fd, null, cString(p));
        } finally {
          libc.close(fd);
        }
        if (errors > 0) break;
      }
      return errors;
    },
    paths.join(", "),
    false,
  );
}

/** What a scan found: osquery's columns. */
export interface YaraHit {
  matches: string;
  count: number;
  strings: string;
  tags: string;
}

let hit: YaraHit | undefined;
let hideStrings = false;
let scanCallback:
  | Deno.UnsafeCallback<{ parameters: ["pointer", "i32", "pointer", "pointer"]; result: "i32" }>
  | undefined;

function readStrings(context: Deno.PointerValue, rule: Deno.UnsafePointerView, out: string[]): void {
  if (context === null) return;
  const matchesArray = new Deno.UnsafePointerView(context).getPointer(CONTEXT_MATCHES);
  let str = rule.getPointer(RULE_STRINGS);
  if (matchesArray === null) return;
  const matches = new Deno.UnsafePointerView(matchesArray);
  while (str !== null) {
    const s = new Deno.UnsafePointerView(str);
    const flagsValue = s.getUint32(0);
    const idx = s.getUint32(STRING_IDX);
    const identPtr = s.getPointer(STRING_IDENTIFIER);
    const ident = identPtr === null ? "" : Deno.UnsafePointerView.getCString(identPtr);
    let m = matches.getPointer(idx * MATCHES_SIZE);
    while (m !== null) {
      const mv = new Deno.UnsafePointerView(m);
      if (mv.getUint8(MATCH_IS_PRIVATE) === 0) {
        const at = mv.getBigInt64(MATCH_BASE) + mv.getBigInt64(MATCH_OFFSET);
        out.push(`${ident}:${at.toString(16)}`);
      }
      m = mv.getPointer(MATCH_NEXT);
    }
    if (flagsValue & STRING_FLAGS_LAST_IN_RULE) break;
    str = Deno.UnsafePointer.offset(str, STRING_SIZE);
  }
}

function callbackPointer(): Deno.PointerObject {
  if (!scanCallback) {
    scanCallback = new Deno.UnsafeCallback(
      { parameters: ["pointer", "i32", "pointer", "pointer"], result: "i32" },
      (context, message, data) => {
        if (message !== CALLBACK_MSG_RULE_MATCHING || data === null || !hit) return 0;
        const rule = new Deno.UnsafePointerView(data);
        const identPtr = rule.getPointer(RULE_IDENTIFIER);
        const name = identPtr === null ? "" : Deno.UnsafePointerView.getCString(identPtr);
        hit.matches = hit.matches ? `${hit.matches},${name}` : name;
        if (!hideStrings && yaraLibrary().knownLayout) {
          const found: string[] = [];
          readStrings(context, rule, found);
          for (const f of found) hit.strings = hit.strings ? `${hit.strings},${f}` : f;
        }
        let tag = rule.getPointer(RULE_TAGS);
        while (tag !== null) {
          const t = Deno.UnsafePointerView.getCString(tag);
          if (t === "") break;
          hit.tags = hit.tags ? `${hit.tags},${t}` : t;
          tag = Deno.UnsafePointer.offset(tag, new TextEncoder().encode(t).length + 1);
        }
        hit.count++;
        return 0;
      },
    );
  }
  return scanCallback.pointer;
}

function scan(rules: YaraRules, wantStrings: boolean, run: (cb: Deno.PointerObject) => number): YaraHit | undefined {
  const cb = callbackPointer();
  hit = { matches: "", count: 0, strings: "", tags: "" };
  hideStrings = rules.privateStrings || !wantStrings;
  try {
    const rc = run(cb);
    return rc === ERROR_SUCCESS ? hit : undefined;
  } finally {
    hit = undefined;
  }
}

/** Scans a file; undefined when libyara cannot (unreadable, not a file). Match offsets only if `wantStrings`. */
export function scanFile(rules: YaraRules, path: string, wantStrings = true): YaraHit | undefined {
  const { yara } = yaraLibrary();
  return scan(
    rules,
    wantStrings,
    (cb) => yara.yr_rules_scan_file(rules.handle, cString(path), SCAN_FLAGS_FAST_MODE, cb, null, 0),
  );
}

/** Scans a process's memory; undefined when libyara cannot (no such process, no permission). */
export function scanProcess(rules: YaraRules, pid: number, wantStrings = true): YaraHit | undefined {
  const { yara } = yaraLibrary();
  return scan(
    rules,
    wantStrings,
    (cb) => yara.yr_rules_scan_proc(rules.handle, pid, SCAN_FLAGS_FAST_MODE, cb, null, 0),
  );
}

// ---------------------------------------------------------------------------------------------
// Signature groups from the config

let groupFiles = new Map<string, string[]>();
const groupRules = new Map<string, YaraRules | YaraCompileError>();

/**
 * Takes the config's `yara` section (`{"signatures": {"group": ["file.yar", ...]}, ...}`) so that
 * `sig_group = 'group'` scans with those files. Call it whenever the config changes; compiled
 * groups are dropped and rebuilt on next use. Malformed parts are ignored, as osquery does.
 */
export function configureYara(section: unknown): void {
  const next = new Map<string, string[]>();
  const signatures = (section as { signatures?: unknown } | null | undefined)?.signatures;
  if (signatures && typeof signatures === "object" && !Array.isArray(signatures)) {
    for (const [group, files] of Object.entries(signatures as Record<string, unknown>)) {
      if (!Array.isArray(files)) continue;
      next.set(group, files.filter((f): f is string => typeof f === "string").map(signaturePath));
    }
  }
  for (const r of groupRules.values()) if (r instanceof YaraRules) r.destroy();
  groupRules.clear();
  groupFiles = next;
}

/** The compiled rules of a configured group; undefined for an unknown group; throws when it does not compile. */
export function groupRuleSet(group: string): YaraRules | undefined {
  const files = groupFiles.get(group);
  if (!files) return undefined;
  let rules = groupRules.get(group);
  if (!rules) {
    try {
      rules = compileRuleFiles(files);
    } catch (e) {
      if (!(e instanceof YaraCompileError)) throw e;
      rules = e;
    }
    groupRules.set(group, rules);
  }
  if (rules instanceof YaraCompileError) throw rules;
  return rules;
}

// ---------------------------------------------------------------------------------------------
// The rules a query names

/** One rule set a query scans with, and the column that named it. */
export interface NamedRules {
  column: "sig_group" | "sigfile" | "sigrule";
  name: string;
  rules: YaraRules;
  /** Compiled for this query only (destroy after the scan). */
  owned: boolean;
}

/** What rule selection reads of a query: its constraints, and the host a `sigfile` is read on. */
export type RuleQuery = Pick<QueryContext, "equals" | "host">;

/**
 * Compiles the rule sets named by `sig_group`, `sigfile` and `sigrule` constraints. Sets that
 * fail are skipped (osquery logs them); when none is usable the query fails with the reasons.
 */
export function rulesFromContext(ctx: RuleQuery): NamedRules[] {
  if (ctx.equals("sigurl").length) {
    throw new TableError(
      "sigurl is not supported by osq: download the rules and name the file with sigfile, or add it to a sig_group.",
    );
  }
  const out: NamedRules[] = [];
  const problems: string[] = [];
  for (const group of ctx.equals("sig_group")) {
    try {
      const rules = groupRuleSet(group);
      if (rules) out.push({ column: "sig_group", name: group, rules, owned: false });
      else problems.push(`no signature group named ${group} in the config's yara section`);
    } catch (e) {
      if (!(e instanceof YaraCompileError)) throw e;
      problems.push(e.message);
    }
  }
  for (const file of ctx.equals("sigfile")) {
    try {
      out.push({
        column: "sigfile",
        name: file,
        rules: compileRuleFiles([ctx.host.path(signaturePath(file))]),
        owned: true,
      });
    } catch (e) {
      if (!(e instanceof YaraCompileError)) throw e;
      problems.push(e.message);
    }
  }
  for (const text of ctx.equals("sigrule")) {
    try {
      out.push({ column: "sigrule", name: text, rules: compileRuleText(text), owned: true });
    } catch (e) {
      if (!(e instanceof YaraCompileError)) throw e;
      problems.push(e.message);
    }
  }
  if (out.length === 0) {
    throw new TableError(
      problems.length
        ? `No usable YARA rules: ${problems.join("; ")}`
        : "The query must name YARA rules with sig_group, sigfile or sigrule (e.g. AND sigfile = '/etc/osquery/yara/rules.yar').",
    );
  }
  return out;
}

/** Frees the rule sets compiled for one query. */
export function releaseRules(sets: NamedRules[]): void {
  for (const s of sets) if (s.owned) s.rules.destroy();
}

/** The columns of a YARA result table after its subject column (`path` or `pid`), in osquery's order. */
export const YARA_RESULT_COLUMNS: ColumnSpec[] = [
  { name: "matches", type: "TEXT", description: "Names of the rules that matched, comma-separated." },
  { name: "count", type: "INTEGER", description: "How many rules matched." },
  {
    name: "sig_group",
    type: "TEXT",
    additional: true,
    description: "The config's signature group whose rules were used.",
  },
  { name: "sigfile", type: "TEXT", additional: true, description: "The rule file that was used." },
  {
    name: "sigrule",
    type: "TEXT",
    additional: true,
    hidden: true,
    linuxHidden: true,
    description: "Rule text given in the query and used.",
  },
  {
    name: "strings",
    type: "TEXT",
    description: "The matched string identifiers with their hex offsets (identifier:offset), comma-separated.",
  },
  { name: "tags", type: "TEXT", description: "Tags of the matching rules, comma-separated." },
  {
    name: "sigurl",
    type: "TEXT",
    additional: true,
    hidden: true,
    linuxHidden: true,
    description: "A URL to fetch rules from (not supported by osq: a clear error).",
  },
  {
    name: "pid_with_namespace",
    type: "INTEGER",
    additional: true,
    hidden: true,
    linuxHidden: true,
    description: "The process whose mount namespace the path was read in (0: the host's).",
  },
];

/**
 * Scans one subject (a file, a process) with each of the query's rule sets. Returns a row per set
 * that matched: `subject`'s columns, the hit, the rule column that named the set (the others empty)
 * and `pid_with_namespace`.
 */
export function matchRows(
  sets: NamedRules[],
  subject: Row,
  pidWithNamespace: number,
  scan: (rules: YaraRules) => YaraHit | undefined,
): Row[] {
  const rows: Row[] = [];
  for (const set of sets) {
    const hit = scan(set.rules);
    if (!hit) continue;
    rows.push({
      ...subject,
      ...hit,
      sig_group: set.column === "sig_group" ? set.name : "",
      sigfile: set.column === "sigfile" ? set.name : "",
      sigrule: set.column === "sigrule" ? set.name : "",
      pid_with_namespace: pidWithNamespace,
    });
  }
  return rows;
}

/** Compiles the rule sets the query names, calls `scan` with them and frees them afterwards. */
export function scanWithQueryRules<T>(ctx: RuleQuery, scan: (sets: NamedRules[]) => T): T {
  const sets = rulesFromContext(ctx);
  try {
    return scan(sets);
  } finally {
    releaseRules(sets);
  }
}

// The config's `yara` section reaches this module wherever a config is loaded.
onConfigSection("yara", configureYara);
