/**
 * Regular expressions for the SQL functions, run by the host's PCRE2 (libpcre2-8, which every
 * Debian system carries: grep needs it) with a step budget.
 *
 * Why not JavaScript's RegExp: V8 backtracks without limit, so `(a+)+$` against 32 `a`s and a
 * `!` runs for minutes inside one SQL function call, where neither Ctrl-C nor a query timeout
 * can reach it. PCRE2 stops a match after `MATCH_LIMIT` internal steps and `HEAP_LIMIT_KIB` of
 * backtracking memory and reports it; the caller can then check for cancellation between calls.
 * The syntax is Perl's, which for the patterns packs use reads as ECMAScript does (`$` is made
 * end-only and `\uhhhh` escapes accepted, as in JavaScript).
 *
 * The library is opened on first use, so commands that never match a regex do not load it.
 *
 * @module
 */

/** A pattern could not be compiled, or a match ran out of its budget. */
export class RegexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RegexError";
  }
}

/** Steps a single match may take (PCRE2's match limit; its default is 10,000,000). */
export const MATCH_LIMIT = 5_000_000;
/** Backtracking memory a single match may use, in KiB. */
const HEAP_LIMIT_KIB = 32 * 1024;

const symbols = {
  pcre2_compile_8: { parameters: ["buffer", "usize", "u32", "buffer", "buffer", "pointer"], result: "pointer" },
  pcre2_code_free_8: { parameters: ["pointer"], result: "void" },
  pcre2_match_data_create_from_pattern_8: { parameters: ["pointer", "pointer"], result: "pointer" },
  pcre2_match_data_free_8: { parameters: ["pointer"], result: "void" },
  pcre2_match_8: {
    parameters: ["pointer", "buffer", "usize", "usize", "u32", "pointer", "pointer"],
    result: "i32",
  },
  pcre2_get_ovector_pointer_8: { parameters: ["pointer"], result: "pointer" },
  pcre2_get_ovector_count_8: { parameters: ["pointer"], result: "u32" },
  pcre2_match_context_create_8: { parameters: ["pointer"], result: "pointer" },
  pcre2_set_match_limit_8: { parameters: ["pointer", "u32"], result: "i32" },
  pcre2_set_heap_limit_8: { parameters: ["pointer", "u32"], result: "i32" },
  pcre2_get_error_message_8: { parameters: ["i32", "buffer", "usize"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

const PCRE2 = {
  ALT_BSUX: 0x00000002,
  DOLLAR_ENDONLY: 0x00000010,
  UTF: 0x00080000,
  MATCH_INVALID_UTF: 0x04000000,
  ERROR_NOMATCH: -1,
  ERROR_MATCHLIMIT: -47,
  ERROR_DEPTHLIMIT: -53,
  ERROR_HEAPLIMIT: -63,
} as const;

/** PCRE2_UNSET: an ovector slot of a group that did not take part in the match. */
const UNSET = 0xffffffffffffffffn;

interface Library {
  lib: Deno.DynamicLibrary<typeof symbols>;
  context: Deno.PointerValue;
}

let library: Library | undefined;

function pcre(): Library {
  if (library) return library;
  const paths = Deno.build.os === "darwin"
    ? ["libpcre2-8.dylib", "/opt/homebrew/lib/libpcre2-8.dylib", "/usr/local/lib/libpcre2-8.dylib"]
    : ["libpcre2-8.so.0", "libpcre2-8.so"];
  for (const path of paths) {
    try {
      const lib = Deno.dlopen(path, symbols);
      const context = lib.symbols.pcre2_match_context_create_8(null);
      if (context === null) throw new RegexError("PCRE2 could not allocate a match context.");
      lib.symbols.pcre2_set_match_limit_8(context, MATCH_LIMIT);
      lib.symbols.pcre2_set_heap_limit_8(context, HEAP_LIMIT_KIB);
      library = { lib, context };
      return library;
    } catch (err) {
      if (err instanceof RegexError) throw err;
      // try the next candidate
    }
  }
  throw new RegexError(
    `Cannot load PCRE2 (${
      paths.join(" or ")
    }) for regex functions: install libpcre2-8-0 (apt-get install libpcre2-8-0).`,
  );
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function errorMessage(code: number): string {
  const buf = new Uint8Array(256);
  const n = pcre().lib.symbols.pcre2_get_error_message_8(code, buf, BigInt(buf.length));
  return n > 0 ? decoder.decode(buf.subarray(0, n)) : `PCRE2 error ${code}`;
}

/** A compiled pattern; matches work on the UTF-8 bytes of the subject. */
export class Regex {
  readonly #code: Deno.PointerObject;
  readonly #matchData: Deno.PointerObject;
  #freed = false;

  /** Compiles `pattern`; throws {@linkcode RegexError} with PCRE2's reason and offset. */
  constructor(pattern: string) {
    const { lib } = pcre();
    const bytes = encoder.encode(pattern);
    const error = new Int32Array(1);
    const offset = new BigUint64Array(1);
    const source = new Uint8Array(bytes.length + 1);
    source.set(bytes);
    const code = lib.symbols.pcre2_compile_8(
      source,
      BigInt(bytes.length),
      PCRE2.UTF | PCRE2.MATCH_INVALID_UTF | PCRE2.DOLLAR_ENDONLY | PCRE2.ALT_BSUX,
      new Uint8Array(error.buffer),
      new Uint8Array(offset.buffer),
      null,
    );
    if (code === null) throw new RegexError(`${errorMessage(error[0])} at offset ${offset[0]}`);
    const matchData = lib.symbols.pcre2_match_data_create_from_pattern_8(code, null);
    if (matchData === null) {
      lib.symbols.pcre2_code_free_8(code);
      throw new RegexError("PCRE2 could not allocate match data.");
    }
    this.#code = code;
    this.#matchData = matchData;
  }

  /**
   * Matches `subject` (UTF-8 bytes) from byte `start`. Returns the byte offsets of the match and
   * each group (`[start, end]`, or undefined for a group that did not take part), or undefined
   * when nothing matches. Throws {@linkcode RegexError} when the match exceeds its budget.
   */
  exec(subject: Uint8Array, start = 0): ([number, number] | undefined)[] | undefined {
    if (this.#freed) throw new RegexError("The regex was released.");
    const { lib, context } = pcre();
    // A zero-length buffer would reach PCRE2 as a NULL pointer; give it one byte it never reads.
    const buffer = subject.length ? subject : new Uint8Array(1);
    const rc = lib.symbols.pcre2_match_8(
      this.#code,
      buffer,
      BigInt(subject.length),
      BigInt(start),
      0,
      this.#matchData,
      context,
    );
    if (rc === PCRE2.ERROR_NOMATCH) return undefined;
    if (rc === PCRE2.ERROR_MATCHLIMIT || rc === PCRE2.ERROR_DEPTHLIMIT || rc === PCRE2.ERROR_HEAPLIMIT) {
      throw new RegexError(
        "the regex needs too many backtracking steps on this input; simplify it (nested quantifiers such as " +
          "(a+)+ backtrack exponentially)",
      );
    }
    if (rc < 0) throw new RegexError(errorMessage(rc));
    const pairs = lib.symbols.pcre2_get_ovector_count_8(this.#matchData);
    const vector = lib.symbols.pcre2_get_ovector_pointer_8(this.#matchData);
    if (vector === null) throw new RegexError("PCRE2 returned no match offsets.");
    const view = new Deno.UnsafePointerView(vector);
    const out: ([number, number] | undefined)[] = [];
    for (let i = 0; i < pairs; i++) {
      const s = view.getBigUint64(i * 16);
      const e = view.getBigUint64(i * 16 + 8);
      out.push(s === UNSET ? undefined : [Number(s), Number(e)]);
    }
    return out;
  }

  /** Releases the compiled pattern; safe to call twice. */
  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    const { lib } = pcre();
    lib.symbols.pcre2_match_data_free_8(this.#matchData);
    lib.symbols.pcre2_code_free_8(this.#code);
  }
}

/** Decodes a byte range of a subject. */
export function slice(subject: Uint8Array, range: [number, number]): string {
  return decoder.decode(subject.subarray(range[0], range[1]));
}

/** The byte length of the UTF-8 character starting at `i` (1 for a stray byte). */
export function charLength(subject: Uint8Array, i: number): number {
  const b = subject[i];
  if (b >= 0xf0) return 4;
  if (b >= 0xe0) return 3;
  if (b >= 0xc0) return 2;
  return 1;
}

/** A small cache of compiled patterns (SQL calls the same pattern once per row). */
export class RegexCache {
  readonly #entries = new Map<string, Regex>();
  readonly #max: number;

  constructor(max = 64) {
    this.#max = max;
  }

  /** The compiled `pattern` (compiling it on first use). */
  get(pattern: string): Regex {
    const hit = this.#entries.get(pattern);
    if (hit) {
      // Most recently used last.
      this.#entries.delete(pattern);
      this.#entries.set(pattern, hit);
      return hit;
    }
    const regex = new Regex(pattern);
    if (this.#entries.size >= this.#max) {
      const [oldest, victim] = this.#entries.entries().next().value!;
      this.#entries.delete(oldest);
      victim.free();
    }
    this.#entries.set(pattern, regex);
    return regex;
  }
}
