/**
 * The raw FFI surface of the host's libsqlite3: symbol declarations and library loading.
 *
 * Pointers are declared as `usize` (plain numbers on 64-bit hosts) wherever SQLite hands them
 * back to us, so hot paths (xColumn, sqlite3_result_*) never allocate pointer objects.
 *
 * @module
 */
import { type Tiered, tiered, tieredFunction } from "../runtime/tiered_ffi.ts";

/** Raised when libsqlite3 cannot be found or loaded. */
export class SqliteLibraryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SqliteLibraryError";
  }
}

const symbols = {
  sqlite3_libversion: { parameters: [], result: "pointer" },
  // Variadic in C; bound here for its one integer option (see turnOffMemoryStatistics).
  sqlite3_config: { parameters: ["i32", "i32"], result: "i32" },
  sqlite3_open_v2: { parameters: ["buffer", "buffer", "i32", "pointer"], result: "i32" },
  sqlite3_close_v2: { parameters: ["usize"], result: "i32" },
  sqlite3_errmsg: { parameters: ["usize"], result: "pointer" },
  sqlite3_errstr: { parameters: ["i32"], result: "pointer" },
  sqlite3_extended_errcode: { parameters: ["usize"], result: "i32" },
  sqlite3_limit: { parameters: ["usize", "i32", "i32"], result: "i32" },
  sqlite3_interrupt: { parameters: ["usize"], result: "void" },
  sqlite3_changes: { parameters: ["usize"], result: "i32" },
  sqlite3_prepare_v2: { parameters: ["usize", "buffer", "i32", "buffer", "buffer"], result: "i32" },
  sqlite3_step: { parameters: ["usize"], result: "i32" },
  sqlite3_reset: { parameters: ["usize"], result: "i32" },
  sqlite3_finalize: { parameters: ["usize"], result: "i32" },
  sqlite3_sql: { parameters: ["usize"], result: "pointer" },
  sqlite3_stmt_readonly: { parameters: ["usize"], result: "i32" },
  sqlite3_bind_parameter_count: { parameters: ["usize"], result: "i32" },
  sqlite3_bind_null: { parameters: ["usize", "i32"], result: "i32" },
  sqlite3_bind_int64: { parameters: ["usize", "i32", "i64"], result: "i32" },
  sqlite3_bind_double: { parameters: ["usize", "i32", "f64"], result: "i32" },
  sqlite3_bind_text: { parameters: ["usize", "i32", "buffer", "i32", "isize"], result: "i32" },
  sqlite3_bind_blob: { parameters: ["usize", "i32", "buffer", "i32", "isize"], result: "i32" },
  sqlite3_column_count: { parameters: ["usize"], result: "i32" },
  sqlite3_column_name: { parameters: ["usize", "i32"], result: "pointer" },
  sqlite3_column_decltype: { parameters: ["usize", "i32"], result: "pointer" },
  sqlite3_column_type: { parameters: ["usize", "i32"], result: "i32" },
  sqlite3_column_int64: { parameters: ["usize", "i32"], result: "i64" },
  sqlite3_column_double: { parameters: ["usize", "i32"], result: "f64" },
  sqlite3_column_text: { parameters: ["usize", "i32"], result: "usize" },
  sqlite3_column_blob: { parameters: ["usize", "i32"], result: "usize" },
  sqlite3_column_bytes: { parameters: ["usize", "i32"], result: "i32" },
  sqlite3_value_type: { parameters: ["usize"], result: "i32" },
  sqlite3_value_int64: { parameters: ["usize"], result: "i64" },
  sqlite3_value_double: { parameters: ["usize"], result: "f64" },
  sqlite3_value_text: { parameters: ["usize"], result: "usize" },
  sqlite3_value_blob: { parameters: ["usize"], result: "usize" },
  sqlite3_value_bytes: { parameters: ["usize"], result: "i32" },
  sqlite3_result_null: { parameters: ["usize"], result: "void" },
  sqlite3_result_int: { parameters: ["usize", "i32"], result: "void" },
  sqlite3_result_int64: { parameters: ["usize", "i64"], result: "void" },
  sqlite3_result_double: { parameters: ["usize", "f64"], result: "void" },
  sqlite3_result_text: { parameters: ["usize", "buffer", "i32", "isize"], result: "void" },
  sqlite3_result_blob: { parameters: ["usize", "buffer", "i32", "isize"], result: "void" },
  sqlite3_result_zeroblob: { parameters: ["usize", "i32"], result: "void" },
  sqlite3_result_error: { parameters: ["usize", "buffer", "i32"], result: "void" },
  sqlite3_malloc: { parameters: ["i32"], result: "usize" },
  sqlite3_free: { parameters: ["usize"], result: "void" },
  sqlite3_create_module_v2: { parameters: ["usize", "buffer", "usize", "usize", "pointer"], result: "i32" },
  sqlite3_declare_vtab: { parameters: ["usize", "buffer"], result: "i32" },
  sqlite3_vtab_config: { parameters: ["usize", "i32", "i32"], result: "i32" },
  sqlite3_vtab_in: { parameters: ["usize", "i32", "i32"], result: "i32" },
  sqlite3_vtab_in_first: { parameters: ["usize", "buffer"], result: "i32" },
  sqlite3_vtab_in_next: { parameters: ["usize", "buffer"], result: "i32" },
  sqlite3_create_function_v2: {
    parameters: ["usize", "buffer", "i32", "i32", "usize", "pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  sqlite3_create_collation_v2: { parameters: ["usize", "buffer", "i32", "usize", "pointer", "pointer"], result: "i32" },
  sqlite3_set_authorizer: { parameters: ["usize", "pointer", "usize"], result: "i32" },
  // Variadic in C; every boolean option takes (int onoff, int *pResult), so one fixed signature
  // serves them all (integer arguments travel in the same registers either way on x86-64/aarch64 Linux).
  sqlite3_db_config: { parameters: ["usize", "i32", "i32", "buffer"], result: "i32" },
  sqlite3_complete: { parameters: ["buffer"], result: "i32" },
  sqlite3_aggregate_context: { parameters: ["usize", "i32"], result: "usize" },
  sqlite3_user_data: { parameters: ["usize"], result: "usize" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded library's symbols. */
export type SqliteSymbols = Deno.DynamicLibrary<typeof symbols>["symbols"];

let loaded: { symbols: SqliteSymbols; path: string } | undefined;
let configuredPath: string | undefined;

/** Sets the library path used by the next {@linkcode sqlite} load (from `--sqlite_library`). */
export function setSqliteLibraryPath(path: string | undefined): void {
  if (loaded && path && loaded.path !== path) {
    throw new SqliteLibraryError(
      `SQLite is already loaded from ${loaded.path}; set --sqlite_library before any query.`,
    );
  }
  configuredPath = path || undefined;
}

function candidatePaths(): string[] {
  const explicit = configuredPath ?? Deno.env.get("OSQ_SQLITE_LIBRARY");
  if (explicit) return [explicit];
  if (Deno.build.os === "darwin") return ["/usr/lib/libsqlite3.dylib", "libsqlite3.dylib"];
  return ["libsqlite3.so.0", "libsqlite3.so"];
}

/**
 * Symbols called per row, per value or per bound parameter. Each gets a function of its own
 * ({@linkcode hotSymbol}) so that its calls become Deno's fast calls once it is compiled.
 */
const HOT = [
  "sqlite3_step",
  "sqlite3_reset",
  "sqlite3_bind_null",
  "sqlite3_bind_int64",
  "sqlite3_bind_double",
  "sqlite3_bind_text",
  "sqlite3_bind_blob",
  "sqlite3_column_type",
  "sqlite3_column_int64",
  "sqlite3_column_double",
  "sqlite3_column_text",
  "sqlite3_column_blob",
  "sqlite3_column_bytes",
  "sqlite3_value_type",
  "sqlite3_value_int64",
  "sqlite3_value_double",
  "sqlite3_value_text",
  "sqlite3_value_blob",
  "sqlite3_value_bytes",
  "sqlite3_result_null",
  "sqlite3_result_int",
  "sqlite3_result_int64",
  "sqlite3_result_double",
  "sqlite3_result_text",
  "sqlite3_result_blob",
  "sqlite3_result_zeroblob",
  "sqlite3_malloc",
  "sqlite3_free",
  "sqlite3_vtab_in_first",
  "sqlite3_vtab_in_next",
  "sqlite3_aggregate_context",
  "sqlite3_user_data",
] as const;

/** A symbol called per row, per value or per bound parameter. */
type HotName = typeof HOT[number];
const HOT_NAMES: ReadonlySet<string> = new Set(HOT);

/**
 * The function of hot symbol `key`, made on its first use: called through its address until it is
 * called often, then compiled ({@linkcode tiered}). Each case below is that symbol's own call site
 * of its compiled symbol: see {@linkcode Tiered} for why one function shared by all symbols, or a
 * property replaced by the compiled symbol, would keep these calls off Deno's fast path. Made one
 * at a time: making all 32 when the library loads raised the peak RSS of dist/osq's `select 1` by
 * ~0.7 MiB (measured A/B; which allocation it is was not pinned down).
 */
function hotSymbol(path: string, key: HotName): unknown {
  const make = <K extends HotName>(name: K): Tiered<SqliteSymbols[K]> =>
    tiered(
      path,
      name,
      symbols[name],
      () => Deno.dlopen(path, { [name]: symbols[name] }).symbols[name] as SqliteSymbols[K],
    );
  switch (key) {
    case "sqlite3_step": {
      const t = make(key);
      return ((a) => t.compiled ? t.compiled(a) : t.address(a)) satisfies SqliteSymbols["sqlite3_step"];
    }
    case "sqlite3_reset": {
      const t = make(key);
      return ((a) => t.compiled ? t.compiled(a) : t.address(a)) satisfies SqliteSymbols["sqlite3_reset"];
    }
    case "sqlite3_bind_null": {
      const t = make(key);
      return ((a, b) => t.compiled ? t.compiled(a, b) : t.address(a, b)) satisfies SqliteSymbols["sqlite3_bind_null"];
    }
    case "sqlite3_bind_int64": {
      const t = make(key);
      return ((a, b, c) => t.compiled ? t.compiled(a, b, c) : t.address(a, b, c)) satisfies SqliteSymbols[
        "sqlite3_bind_int64"
      ];
    }
    case "sqlite3_bind_double": {
      const t = make(key);
      return ((a, b, c) => t.compiled ? t.compiled(a, b, c) : t.address(a, b, c)) satisfies SqliteSymbols[
        "sqlite3_bind_double"
      ];
    }
    case "sqlite3_bind_text": {
      const t = make(key);
      return ((a, b, c, d, e) =>
        t.compiled ? t.compiled(a, b, c, d, e) : t.address(a, b, c, d, e)) satisfies SqliteSymbols["sqlite3_bind_text"];
    }
    case "sqlite3_bind_blob": {
      const t = make(key);
      return ((a, b, c, d, e) =>
        t.compiled ? t.compiled(a, b, c, d, e) : t.address(a, b, c, d, e)) satisfies SqliteSymbols["sqlite3_bind_blob"];
    }
    case "sqlite3_column_type": {
      const t = make(key);
      return ((a, b) => t.compiled ? t.compiled(a, b) : t.address(a, b)) satisfies SqliteSymbols["sqlite3_column_type"];
    }
    case "sqlite3_column_int64": {
      const t = make(key);
      return ((a, b) => t.compiled ? t.compiled(a, b) : t.address(a, b)) satisfies SqliteSymbols[
        "sqlite3_column_int64"
      ];
    }
    case "sqlite3_column_double": {
      const t = make(key);
      return ((a, b) => t.compiled ? t.compiled(a, b) : t.address(a, b)) satisfies SqliteSymbols[
        "sqlite3_column_double"
      ];
    }
    case "sqlite3_column_text": {
      const t = make(key);
      return ((a, b) => t.compiled ? t.compiled(a, b) : t.address(a, b)) satisfies SqliteSymbols["sqlite3_column_text"];
    }
    case "sqlite3_column_blob": {
      const t = make(key);
      return ((a, b) => t.compiled ? t.compiled(a, b) : t.address(a, b)) satisfies SqliteSymbols["sqlite3_column_blob"];
    }
    case "sqlite3_column_bytes": {
      const t = make(key);
      return ((a, b) => t.compiled ? t.compiled(a, b) : t.address(a, b)) satisfies SqliteSymbols[
        "sqlite3_column_bytes"
      ];
    }
    case "sqlite3_value_type": {
      const t = make(key);
      return ((a) => t.compiled ? t.compiled(a) : t.address(a)) satisfies SqliteSymbols["sqlite3_value_type"];
    }
    case "sqlite3_value_int64": {
      const t = make(key);
      return ((a) => t.compiled ? t.compiled(a) : t.address(a)) satisfies SqliteSymbols["sqlite3_value_int64"];
    }
    case "sqlite3_value_double": {
      const t = make(key);
      return ((a) => t.compiled ? t.compiled(a) : t.address(a)) satisfies SqliteSymbols["sqlite3_value_double"];
    }
    case "sqlite3_value_text": {
      const t = make(key);
      return ((a) => t.compiled ? t.compiled(a) : t.address(a)) satisfies SqliteSymbols["sqlite3_value_text"];
    }
    case "sqlite3_value_blob": {
      const t = make(key);
      return ((a) => t.compiled ? t.compiled(a) : t.address(a)) satisfies SqliteSymbols["sqlite3_value_blob"];
    }
    case "sqlite3_value_bytes": {
      const t = make(key);
      return ((a) => t.compiled ? t.compiled(a) : t.address(a)) satisfies SqliteSymbols["sqlite3_value_bytes"];
    }
    case "sqlite3_result_null": {
      const t = make(key);
      return ((a) => t.compiled ? t.compiled(a) : t.address(a)) satisfies SqliteSymbols["sqlite3_result_null"];
    }
    case "sqlite3_result_int": {
      const t = make(key);
      return ((a, b) => t.compiled ? t.compiled(a, b) : t.address(a, b)) satisfies SqliteSymbols["sqlite3_result_int"];
    }
    case "sqlite3_result_int64": {
      const t = make(key);
      return ((a, b) => t.compiled ? t.compiled(a, b) : t.address(a, b)) satisfies SqliteSymbols[
        "sqlite3_result_int64"
      ];
    }
    case "sqlite3_result_double": {
      const t = make(key);
      return ((a, b) => t.compiled ? t.compiled(a, b) : t.address(a, b)) satisfies SqliteSymbols[
        "sqlite3_result_double"
      ];
    }
    case "sqlite3_result_text": {
      const t = make(key);
      return ((a, b, c, d) => t.compiled ? t.compiled(a, b, c, d) : t.address(a, b, c, d)) satisfies SqliteSymbols[
        "sqlite3_result_text"
      ];
    }
    case "sqlite3_result_blob": {
      const t = make(key);
      return ((a, b, c, d) => t.compiled ? t.compiled(a, b, c, d) : t.address(a, b, c, d)) satisfies SqliteSymbols[
        "sqlite3_result_blob"
      ];
    }
    case "sqlite3_result_zeroblob": {
      const t = make(key);
      return ((a, b) => t.compiled ? t.compiled(a, b) : t.address(a, b)) satisfies SqliteSymbols[
        "sqlite3_result_zeroblob"
      ];
    }
    case "sqlite3_malloc": {
      const t = make(key);
      return ((a) => t.compiled ? t.compiled(a) : t.address(a)) satisfies SqliteSymbols["sqlite3_malloc"];
    }
    case "sqlite3_free": {
      const t = make(key);
      return ((a) => t.compiled ? t.compiled(a) : t.address(a)) satisfies SqliteSymbols["sqlite3_free"];
    }
    case "sqlite3_vtab_in_first": {
      const t = make(key);
      return ((a, b) => t.compiled ? t.compiled(a, b) : t.address(a, b)) satisfies SqliteSymbols[
        "sqlite3_vtab_in_first"
      ];
    }
    case "sqlite3_vtab_in_next": {
      const t = make(key);
      return ((a, b) => t.compiled ? t.compiled(a, b) : t.address(a, b)) satisfies SqliteSymbols[
        "sqlite3_vtab_in_next"
      ];
    }
    case "sqlite3_aggregate_context": {
      const t = make(key);
      return ((a, b) => t.compiled ? t.compiled(a, b) : t.address(a, b)) satisfies SqliteSymbols[
        "sqlite3_aggregate_context"
      ];
    }
    case "sqlite3_user_data": {
      const t = make(key);
      return ((a) => t.compiled ? t.compiled(a) : t.address(a)) satisfies SqliteSymbols["sqlite3_user_data"];
    }
  }
}

/**
 * Opens the library at `path` (binding nothing). The hot symbols are {@linkcode hotSymbol}'s; every
 * other symbol is made when it is first used: a {@linkcode tieredFunction}, which replaces itself
 * with the compiled symbol once it is called often.
 */
function lazySymbols(path: string): { symbols: SqliteSymbols } {
  Deno.dlopen(path, {});
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(symbols) as (keyof typeof symbols)[]) {
    Object.defineProperty(out, key, {
      configurable: true,
      enumerable: true,
      get() {
        if (HOT_NAMES.has(key)) {
          const fn = hotSymbol(path, key as HotName);
          Object.defineProperty(out, key, { value: fn, enumerable: true, configurable: true });
          return fn;
        }
        const define = (value: unknown) =>
          Object.defineProperty(out, key, { value, enumerable: true, configurable: true });
        const fn = tieredFunction(
          path,
          key,
          symbols[key] as Deno.ForeignFunction,
          () => Deno.dlopen(path, { [key]: symbols[key] }).symbols[key] as unknown,
          define,
        );
        define(fn);
        return fn;
      },
    });
  }
  // Checked at once: a library without SQLite's symbols is not libsqlite3.
  (out as SqliteSymbols).sqlite3_libversion();
  return { symbols: out as SqliteSymbols };
}

/** sqlite3_config option: keep (1) or do not keep (0) memory-allocation statistics. */
const SQLITE_CONFIG_MEMSTATUS = 9;

/**
 * SQLite keeps memory statistics unless told otherwise (Debian's build: SQLITE_DEFAULT_MEMSTATUS=1),
 * and then every allocation and free takes one process-wide mutex to count itself. osq reads none
 * of them (no sqlite3_memory_used or sqlite3_status). Without them a 1,000,000-row sorted query
 * runs ~6-11 % faster (median of 6 in-process, three A/B pairs in turn). Only before SQLite
 * initializes does the option take: a query thread loading the library later in the same process
 * gets SQLITE_MISUSE, harmlessly. Linux only: the call passes its integer as a fixed argument,
 * which is where Linux's calling conventions put a variadic one, and Apple's arm64 ones do not.
 */
function turnOffMemoryStatistics(symbols: SqliteSymbols): void {
  if (Deno.build.os === "linux") symbols.sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/** Loads libsqlite3 once and returns its symbols; throws {@linkcode SqliteLibraryError} naming the library. */
export function sqlite(): SqliteSymbols {
  if (loaded) return loaded.symbols;
  const paths = candidatePaths();
  for (const path of paths) {
    try {
      const { symbols } = lazySymbols(path);
      turnOffMemoryStatistics(symbols);
      loaded = { symbols, path };
      return symbols;
    } catch {
      // try the next candidate
    }
  }
  const pkg = Deno.build.os === "darwin"
    ? "the system SQLite"
    : "the libsqlite3-0 package (apt-get install libsqlite3-0)";
  throw new SqliteLibraryError(
    `Cannot load SQLite library ${paths.join(" or ")}: install ${pkg} or point --sqlite_library at libsqlite3.`,
  );
}

/** The path of the loaded library, if loaded. */
export function sqliteLibraryPath(): string | undefined {
  return loaded?.path;
}

/** SQLite result codes used by osq. */
export const SQLITE = {
  OK: 0,
  ERROR: 1,
  INTERNAL: 2,
  PERM: 3,
  ABORT: 4,
  NOMEM: 7,
  INTERRUPT: 9,
  CONSTRAINT: 19,
  MISUSE: 21,
  AUTH: 23,
  RANGE: 25,
  ROW: 100,
  DONE: 101,
  INTEGER: 1,
  FLOAT: 2,
  TEXT: 3,
  BLOB: 4,
  NULL: 5,
  UTF8: 1,
  DETERMINISTIC: 0x800,
  INNOCUOUS: 0x200000,
  DENY: 1,
  IGNORE: 2,
  OPEN_READONLY: 0x1,
  OPEN_READWRITE: 0x2,
  OPEN_CREATE: 0x4,
  OPEN_URI: 0x40,
  OPEN_MEMORY: 0x80,
  OPEN_NOMUTEX: 0x8000,
  OPEN_PRIVATECACHE: 0x40000,
  LIMIT_LENGTH: 0,
  LIMIT_ATTACHED: 7,
  VTAB_CONSTRAINT_SUPPORT: 1,
  VTAB_INNOCUOUS: 2,
  DBCONFIG_ENABLE_TRIGGER: 1003,
  DBCONFIG_ENABLE_FTS3_TOKENIZER: 1004,
  DBCONFIG_ENABLE_LOAD_EXTENSION: 1005,
  DBCONFIG_DEFENSIVE: 1010,
  DBCONFIG_WRITABLE_SCHEMA: 1011,
} as const;

/** SQLITE_TRANSIENT destructor: SQLite copies the value before the call returns. */
export const TRANSIENT = -1n;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** NUL-terminated UTF-8 copy of a string, for C string parameters. */
export function cstr(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(text.length * 3 + 1));
  const { written } = encoder.encodeInto(text, out);
  return out.subarray(0, written + 1);
}

/** Reads a NUL-terminated UTF-8 string at a pointer (null → ""). */
export function readCString(ptr: Deno.PointerValue | number | bigint): string {
  if (ptr === null || ptr === 0 || ptr === 0n) return "";
  const p = typeof ptr === "object" ? ptr : Deno.UnsafePointer.create(BigInt(ptr));
  if (p === null) return "";
  return Deno.UnsafePointerView.getCString(p);
}

/** Texts up to this many bytes are copied into a reused buffer to be decoded. */
const TEXT_SCRATCH = 64 * 1024;
const textScratch = new Uint8Array(TEXT_SCRATCH);

/**
 * Reads `length` bytes at an address as UTF-8 text. A short text is copied into a reused buffer
 * and decoded there: a view of the native memory (getArrayBuffer) makes a new ArrayBuffer and its
 * backing store per value, which cost more than the copy (every text value an SDK caller reads).
 */
export function readText(address: number | bigint, length: number): string {
  if (length === 0) return "";
  const p = Deno.UnsafePointer.create(BigInt(address));
  if (p === null) return "";
  if (length <= TEXT_SCRATCH) {
    const view = textScratch.subarray(0, length);
    Deno.UnsafePointerView.copyInto(p, view);
    return decoder.decode(view);
  }
  return decoder.decode(new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, length)));
}

/**
 * Reads a text SQLite returned (sqlite3_column_text, sqlite3_value_text: `length` bytes followed
 * by a NUL): one read of the C string when it is plain ASCII, its length then equal to the byte
 * count (a few times cheaper than decoding counted bytes), else the counted bytes as UTF-8.
 */
export function readSqliteText(address: number | bigint, length: number): string {
  if (length === 0) return "";
  const p = Deno.UnsafePointer.create(BigInt(address));
  if (p === null) return "";
  const text = Deno.UnsafePointerView.getCString(p);
  return text.length === length ? text : readText(address, length);
}

/** Copies `length` bytes at an address. */
export function readBytes(address: number | bigint, length: number): Uint8Array {
  if (length === 0) return new Uint8Array(0);
  const p = Deno.UnsafePointer.create(BigInt(address));
  if (p === null) return new Uint8Array(0);
  return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, length)).slice();
}

/** Converts a pointer object to its numeric address (0 for null). */
export function addressOf(ptr: Deno.PointerValue): bigint {
  return ptr === null ? 0n : BigInt(Deno.UnsafePointer.value(ptr));
}

/** A pointer object for a numeric address. */
export function pointerAt(address: number | bigint): Deno.PointerValue {
  return Deno.UnsafePointer.create(BigInt(address));
}

/** Strings up to this many UTF-16 units are tried as ASCII with a plain loop (no encoder call). */
const ASCII_LOOP = 96;

/**
 * A growable scratch buffer for encoding text handed to SQLite with SQLITE_TRANSIENT:
 * one backing ArrayBuffer reused across calls (SQLite copies before the call returns).
 */
export class TextScratch {
  #buf = new Uint8Array(new ArrayBuffer(4096));

  /** The buffer {@linkcode TextScratch.encodeLength} last wrote into. */
  get buffer(): Uint8Array<ArrayBuffer> {
    return this.#buf;
  }

  /**
   * Encodes `text` into {@linkcode TextScratch.buffer} and returns its UTF-8 byte length. Short
   * ASCII strings (most table values) are copied by a loop: cheaper than a call into the encoder.
   */
  encodeLength(text: string): number {
    const n = text.length;
    let buf = this.#buf;
    if (n <= ASCII_LOOP) {
      let k = 0;
      for (; k < n; k++) {
        const c = text.charCodeAt(k);
        if (c > 0x7f) break;
        buf[k] = c;
      }
      if (k === n) return n;
    }
    if (n * 3 > buf.length) buf = this.#buf = new Uint8Array(new ArrayBuffer(n * 3 + 16));
    return encoder.encodeInto(text, buf).written;
  }

  /** Encodes `text` and returns the buffer view and byte length. */
  encode(text: string): [Uint8Array<ArrayBuffer>, number] {
    const n = this.encodeLength(text);
    return [this.#buf, n];
  }
}
