/**
 * One gflags-style flag registry for every face of osq: declaration, parsing (`--flag=value`,
 * `--flag value`, `--noflag`, `--flagfile PATH`), defaults, help text and the rows of the
 * `osquery_flags` table. Modules declare their flags with {@linkcode defineFlag} at import time.
 *
 * @module
 */

/** gflags type names, as osquery reports them. */
export type FlagType = "bool" | "string" | "int32" | "uint32" | "int64" | "uint64" | "double";

/** A flag's value. */
export type FlagValue = boolean | string | number;

/** A flag declaration. */
export interface FlagSpec {
  name: string;
  type: FlagType;
  default: FlagValue;
  /** Our own words on what the flag does. */
  description: string;
  /** Only meaningful in the shell (osquery's SHELL_FLAG). */
  shell?: boolean;
  /** Only settable on the command line or in a flagfile, not from config `options`. */
  cliOnly?: boolean;
  /** Not listed in `--help`. */
  hidden?: boolean;
  /** Other names that set the same flag (e.g. `logger_path` ← `osquery_log_dir`). */
  aliases?: string[];
}

/** Raised for an unknown or malformed flag; the message names the closest known flag. */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}

/** Where a flag's current value came from. */
export type FlagSource = "default" | "cli" | "flagfile" | "config" | "runtime";

interface FlagState {
  spec: FlagSpec;
  value: FlagValue;
  source: FlagSource;
}

/** The result of parsing a command line. */
export interface ParsedArgs {
  /** Arguments that are not flags, in order. */
  positionals: string[];
  /** Names of the flags set by this parse. */
  set: string[];
}

/** Options for {@linkcode Flags.parse}. */
export interface ParseOptions {
  /** Short options that take a value, mapped to a flag name (e.g. `A` → `A`). */
  shortWithValue?: Record<string, string>;
  /** Read `/etc/osquery/osquery.flags.default` when no --flagfile is given. */
  defaultFlagfile?: string;
}

/** The flag registry. */
export class Flags {
  readonly #flags = new Map<string, FlagState>();
  readonly #aliases = new Map<string, string>();

  /** Declares a flag; re-declaring the same name returns the existing one unchanged. */
  define(spec: FlagSpec): FlagSpec {
    const existing = this.#flags.get(spec.name);
    if (existing) return existing.spec;
    this.#flags.set(spec.name, { spec, value: spec.default, source: "default" });
    for (const alias of spec.aliases ?? []) this.#aliases.set(alias, spec.name);
    return spec;
  }

  /** True when a flag (or alias) of that name exists. */
  has(name: string): boolean {
    return this.#flags.has(name) || this.#aliases.has(name);
  }

  #state(name: string): FlagState {
    const state = this.#flags.get(name) ?? this.#flags.get(this.#aliases.get(name) ?? "");
    if (!state) throw new FlagError(unknownFlagMessage(name, this.names()));
    return state;
  }

  /** The declaration of a flag. */
  spec(name: string): FlagSpec {
    return this.#state(name).spec;
  }

  /** A flag's current value. */
  get(name: string): FlagValue {
    return this.#state(name).value;
  }

  /** A boolean flag's value. */
  bool(name: string): boolean {
    return this.#state(name).value === true;
  }

  /** A string flag's value. */
  string(name: string): string {
    return String(this.#state(name).value);
  }

  /** A numeric flag's value. */
  number(name: string): number {
    return Number(this.#state(name).value);
  }

  /** Where the current value came from. */
  source(name: string): FlagSource {
    return this.#state(name).source;
  }

  /** True while the flag holds its default (never set). */
  isDefault(name: string): boolean {
    return this.#state(name).source === "default";
  }

  /** Sets a flag from text (as on a command line); throws {@linkcode FlagError} on bad values. */
  set(name: string, text: string | FlagValue, source: FlagSource = "runtime"): void {
    const state = this.#state(name);
    state.value = typeof text === "string" ? convert(state.spec, text) : checkValue(state.spec, text);
    state.source = source;
  }

  /** Restores every flag to its default (tests). */
  reset(): void {
    for (const state of this.#flags.values()) {
      state.value = state.spec.default;
      state.source = "default";
    }
  }

  /** All flag names, sorted. */
  names(): string[] {
    return [...this.#flags.keys()].sort();
  }

  /** Every flag with its state, sorted by name. */
  all(): { spec: FlagSpec; value: FlagValue; source: FlagSource }[] {
    return this.names().map((n) => {
      const s = this.#flags.get(n)!;
      return { spec: s.spec, value: s.value, source: s.source };
    });
  }

  /**
   * Parses a command line gflags-style. Flags may appear anywhere; `--` ends flag parsing.
   * `--flagfile PATH` is read in place (one flag per line, `#` comments).
   */
  parse(argv: readonly string[], options: ParseOptions = {}): ParsedArgs {
    const positionals: string[] = [];
    const set: string[] = [];
    let sawFlagfile = false;
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      if (arg === "--") {
        positionals.push(...argv.slice(i + 1));
        break;
      }
      if (!arg.startsWith("-") || arg === "-") {
        positionals.push(arg);
        continue;
      }
      const body = arg.replace(/^--?/, "");
      const eq = body.indexOf("=");
      let name = eq >= 0 ? body.slice(0, eq) : body;
      let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
      if (options.shortWithValue && arg.startsWith("-") && !arg.startsWith("--") && options.shortWithValue[name]) {
        name = options.shortWithValue[name];
      }
      if (name === "flagfile") {
        if (value === undefined) {
          if (i + 1 >= argv.length) {
            throw new FlagError("Flag --flagfile needs a path: --flagfile=/etc/osquery/osquery.flags");
          }
          value = argv[++i];
        }
        sawFlagfile = true;
        if (this.has("flagfile")) this.set("flagfile", value, "cli");
        set.push(...this.readFlagfile(value));
        continue;
      }
      if (!this.has(name)) {
        if (name.startsWith("no") && this.has(name.slice(2)) && this.spec(name.slice(2)).type === "bool") {
          if (value !== undefined) {
            throw new FlagError(`Flag --${name} takes no value: use --${name.slice(2)}=${value}`);
          }
          this.set(name.slice(2), "false", "cli");
          set.push(this.spec(name.slice(2)).name);
          continue;
        }
        throw new FlagError(unknownFlagMessage(name, this.names()));
      }
      const spec = this.spec(name);
      if (value === undefined) {
        if (spec.type === "bool") {
          value = "true";
        } else {
          if (i + 1 >= argv.length) throw new FlagError(`Flag --${name} needs a value (${spec.type}).`);
          value = argv[++i];
        }
      }
      this.set(spec.name, value, "cli");
      set.push(spec.name);
    }
    if (!sawFlagfile && options.defaultFlagfile) {
      try {
        Deno.statSync(options.defaultFlagfile);
        if (this.has("flagfile")) this.set("flagfile", options.defaultFlagfile, "cli");
        set.push(...this.readFlagfile(options.defaultFlagfile));
      } catch {
        // No default flagfile: nothing to read.
      }
    }
    return { positionals, set };
  }

  /** Reads a flagfile: one `--flag=value` per line; blank lines and `#` comments skipped. */
  readFlagfile(path: string): string[] {
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch (err) {
      throw new FlagError(`Cannot read flagfile ${path}: ${readFailure(err)}.`);
    }
    const set: string[] = [];
    text.split("\n").forEach((raw, index) => {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) return;
      try {
        const parsed = this.#parseOne(line);
        set.push(parsed);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new FlagError(`${path}:${index + 1}: ${message}`);
      }
    });
    return set;
  }

  #parseOne(line: string): string {
    const body = line.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const sp = body.search(/\s/);
    let name: string;
    let value: string | undefined;
    if (eq >= 0 && (sp < 0 || eq < sp)) {
      name = body.slice(0, eq);
      value = body.slice(eq + 1);
    } else if (sp >= 0) {
      name = body.slice(0, sp);
      value = body.slice(sp).trim();
    } else name = body;
    if (!this.has(name) && name.startsWith("no") && this.has(name.slice(2)) && value === undefined) {
      this.set(name.slice(2), "false", "flagfile");
      return this.spec(name.slice(2)).name;
    }
    const spec = this.spec(name);
    if (value === undefined) {
      if (spec.type !== "bool") throw new FlagError(`Flag --${name} needs a value (${spec.type}).`);
      value = "true";
    }
    this.set(spec.name, value, "flagfile");
    return spec.name;
  }

  /** `--help` text: every visible flag with its type, default and description. */
  help(filter: (spec: FlagSpec) => boolean = () => true): string {
    const lines: string[] = [];
    for (const { spec } of this.all()) {
      if (spec.hidden || !filter(spec)) continue;
      const head = `  --${spec.name}${spec.type === "bool" ? "" : " VALUE"}`;
      lines.push(`${head.padEnd(40)} ${spec.description}` + (spec.default === "" ? "" : ` (default: ${spec.default})`));
    }
    return lines.join("\n") + "\n";
  }
}

function checkValue(spec: FlagSpec, value: FlagValue): FlagValue {
  if (spec.type === "bool") {
    if (typeof value !== "boolean") throw new FlagError(`Flag --${spec.name} expects true or false.`);
    return value;
  }
  if (spec.type === "string") return String(value);
  return convert(spec, String(value));
}

function convert(spec: FlagSpec, text: string): FlagValue {
  switch (spec.type) {
    case "bool": {
      const t = text.trim().toLowerCase();
      if (["true", "1", "yes", "y", "t", "on"].includes(t)) return true;
      if (["false", "0", "no", "n", "f", "off"].includes(t)) return false;
      throw new FlagError(`Flag --${spec.name} expects true or false, not '${text}'.`);
    }
    case "string":
      return text;
    case "double": {
      const n = Number(text);
      if (text.trim() === "" || !Number.isFinite(n)) {
        throw new FlagError(`Flag --${spec.name} expects a number, not '${text}'.`);
      }
      return n;
    }
    default: {
      const t = text.trim();
      if (!/^[-+]?\d+$/.test(t)) {
        throw new FlagError(`Flag --${spec.name} expects an integer (${spec.type}), not '${text}'.`);
      }
      const n = Number(t);
      if ((spec.type === "uint32" || spec.type === "uint64") && n < 0) {
        throw new FlagError(`Flag --${spec.name} expects a non-negative integer, not '${text}'.`);
      }
      if (
        (spec.type === "int32" && (n < -2147483648 || n > 2147483647)) || (spec.type === "uint32" && n > 4294967295)
      ) {
        throw new FlagError(`Flag --${spec.name} is out of range for ${spec.type}: '${text}'.`);
      }
      return n;
    }
  }
}

/** Why a file could not be read, in a few plain words. */
export function readFailure(err: unknown): string {
  if (err instanceof Deno.errors.NotFound) return "no such file";
  if (err instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (err instanceof Deno.errors.IsADirectory) return "it is a directory";
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/ \(os error \d+\).*$/, "");
}

/** "Unknown flag" with the closest known names (edit distance), for typos. */
export function unknownFlagMessage(name: string, known: string[]): string {
  const best = closest(name, known);
  return best ? `Unknown flag --${name}: did you mean --${best}?` : `Unknown flag --${name}: see --help for the flags.`;
}

/** The closest string by edit distance, or undefined when nothing is reasonably close. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  const prev = new Array(b.length + 1).fill(0).map((_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The process-wide flag registry. */
export const flags: Flags = new Flags();

/** Declares a flag in the process-wide registry. */
export function defineFlag(spec: FlagSpec): FlagSpec {
  return flags.define(spec);
}

defineFlag({
  name: "flagfile",
  type: "string",
  default: "",
  description: "Read more flags from this file, one per line (set by --flagfile; shown by .show)",
  cliOnly: true,
});
