/**
 * The native cursor: xNext, xEof, xColumn and xRowid as machine code (core/vtab/native/cursor.c),
 * serving cells from batches that TypeScript fills.
 *
 * Why: SQLite calls xNext and xEof once per row and xColumn once per cell. Through Deno
 * callbacks each call costs ~0.15 µs, so a 3-column scan paid five callbacks a row before a
 * table did any work. With the native cursor SQLite calls plain machine code, and TypeScript is
 * entered once per batch ({@linkcode CellBatch.refill}); a batch starts at one row and doubles up
 * to {@linkcode MAX_BATCH_ROWS}, so `LIMIT 1` still pulls a single row from a costly generator.
 *
 * The code exists for x86-64 and AArch64 Linux. It is placed in an anonymous page made executable
 * with mprotect(2) (on AArch64 the kernel makes the instruction cache coherent when it maps a
 * page executable); SQLite's result setters are found with dlsym(3) in the libsqlite3 osq
 * loaded (core/sqlite/native_code.ts, shared with the row batches). Where any of this is unavailable (another system, a kernel refusing executable
 * mappings) or `OSQ_NATIVE_CURSOR=0` is set, the module keeps its TypeScript callbacks.
 *
 * @module
 */
import { mapWithSqliteApi } from "../sqlite/native_code.ts";
import type { Row } from "../table.ts";
import { LAYOUT } from "./native/layout.ts";

/** Addresses of the native entry points and of the SQLite function table they call. */
export interface NativeCursorCode {
  next: bigint;
  eof: bigint;
  column: bigint;
  rowid: bigint;
  /** The Api struct (five function pointers) each cursor points at. */
  api: bigint;
}

/** How a column's values are converted, as in the TypeScript xColumn. */
export const enum CellKind {
  Text,
  Integer,
  Double,
  Blob,
}

/** The bytes of the C Cursor struct (sqlite3_vtab_cursor plus the batch fields). */
export const CURSOR_BYTES: number = LAYOUT.cursorBytes;
/** Largest batch, in rows. */
export const MAX_BATCH_ROWS = 256;
/** A batch stops growing once its text and blobs pass this many bytes. */
const ARENA_SOFT_LIMIT = 1 << 20;

const CELL_NULL = 0, CELL_INTEGER = 1, CELL_INT64 = 2, CELL_DOUBLE = 3, CELL_TEXT = 4, CELL_BLOB = 5;
/** Int32 slots of the Cursor struct (offsets from the compiler: native/layout.ts). */
const ROW = LAYOUT.row / 4, ROWS = LAYOUT.rows / 4, COLUMNS = LAYOUT.columns / 4, DONE = LAYOUT.done / 4;
/** Byte offsets of the Cursor struct's pointers. */
const API = LAYOUT.api, CELLS = LAYOUT.cells, ARENA = LAYOUT.arena, REFILL = LAYOUT.refill, CANCEL = LAYOUT.cancel;
const ROWID = LAYOUT.rowid;
/**
 * The batch writer below addresses a cell as 16 bytes — int32 type and bytes, then the value in the
 * second 8-byte slot (`cell * 4`, `cell * 2 + 1`) — literal strides kept for the hot loop. The
 * compiler's layout must agree, or the native cursor is not used.
 */
const CELL_LAYOUT_MATCHES = LAYOUT.cellBytes === 16 && LAYOUT.cellValue === 8;
const TWO_63 = 2 ** 63;
const ASCII_LOOP = 256;

/**
 * This machine's code only (the other architecture's module is never read): a literal `import()`
 * per architecture, so `deno compile` and the bundler still include both.
 */
const MACHINE:
  | { CODE: Uint8Array<ArrayBuffer>; ENTRY: { next: number; eof: number; column: number; rowid: number } }
  | undefined = Deno.build.os !== "linux"
    ? undefined
    : Deno.build.arch === "x86_64"
    ? await import("./native/x86_64.ts")
    : Deno.build.arch === "aarch64"
    ? await import("./native/aarch64.ts")
    : undefined;

let loaded: NativeCursorCode | null | undefined;

/** The native code, loaded once per process; `undefined` where it cannot run (see the module doc). */
export function nativeCursorCode(): NativeCursorCode | undefined {
  if (loaded !== undefined) return loaded ?? undefined;
  loaded = null;
  if (!MACHINE || !CELL_LAYOUT_MATCHES) return undefined;
  const { CODE, ENTRY } = MACHINE;
  if (Deno.env.get("OSQ_NATIVE_CURSOR") === "0") return undefined;
  const mapped = mapWithSqliteApi(CODE, [
    "sqlite3_result_null",
    "sqlite3_result_int64",
    "sqlite3_result_double",
    "sqlite3_result_text",
    "sqlite3_result_blob",
  ]);
  if (!mapped) return undefined;
  const { base, api } = mapped;
  loaded = {
    next: base + BigInt(ENTRY.next),
    eof: base + BigInt(ENTRY.eof),
    column: base + BigInt(ENTRY.column),
    rowid: base + BigInt(ENTRY.rowid),
    api,
  };
  return loaded;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Parses a decimal (or 0x hex) integer string as osquery's casts do; undefined when not a number.
 *
 * A number outside the column's 64-bit range is undefined too (it reads as NULL, as osquery's
 * failed cast does) and `onOutOfRange` is told, instead of wrapping around silently
 * (`-9223372036854775809` must not read as 9223372036854775807). UNSIGNED BIGINT columns accept
 * up to 2^64-1, stored as the same 64 bits (osquery's representation).
 */
export function parseInteger(
  text: string,
  unsigned = false,
  onOutOfRange?: () => void,
): number | bigint | undefined {
  const t = text.trim();
  if (t === "") return undefined;
  let n: bigint;
  if (/^[-+]?\d+$/.test(t)) {
    const quick = Number(t);
    if (Number.isSafeInteger(quick)) return quick;
    n = BigInt(t);
  } else if (/^0x[0-9a-f]+$/i.test(t)) {
    n = BigInt(t);
    if (n <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(n);
    // Hex is a bit pattern: any 64-bit value fits.
    if (n <= UINT64_MAX) return BigInt.asIntN(64, n);
  } else return undefined;
  if (n >= INT64_MIN && n <= (unsigned ? UINT64_MAX : INT64_MAX)) return BigInt.asIntN(64, n);
  onOutOfRange?.();
  return undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** How a batch treats integer columns beyond their kinds. */
export interface IntegerColumns {
  /** Per declared column: UNSIGNED BIGINT (accepts up to 2^64-1). */
  unsigned?: readonly boolean[];
  /** Told when a text value of a column is an integer outside its 64-bit range (it becomes NULL). */
  onOutOfRange?: (column: number, text: string) => void;
}

/**
 * One cursor's batch: the C Cursor struct (allocated by the caller) and the cells and bytes it
 * points at, filled from a table's rows. Rows are encoded as soon as they are pulled, so a
 * generator may reuse its row object between yields.
 */
export class CellBatch {
  readonly #header: Int32Array;
  readonly #struct: DataView;
  readonly #columns: number;
  readonly #keys: string[];
  readonly #kinds: CellKind[];
  #used: number[] = [];
  #cells = new ArrayBuffer(0);
  #i32 = new Int32Array(0);
  #f64 = new Float64Array(0);
  #i64 = new BigInt64Array(0);
  #capacity = 0;
  #arena = new Uint8Array(new ArrayBuffer(4096));
  #arenaUsed = 0;
  #batchRows = 1;
  #source: (() => Row | undefined) | undefined;
  #pending: unknown;
  readonly #unsigned: readonly boolean[];
  readonly #onOutOfRange: ((column: number, text: string) => void) | undefined;

  /**
   * @param cursor the address of a {@linkcode CURSOR_BYTES}-byte struct whose first field SQLite owns
   * @param columns the declared columns' row keys and kinds
   */
  constructor(
    cursor: bigint,
    code: NativeCursorCode,
    refill: bigint,
    cancel: Int32Array,
    keys: string[],
    kinds: CellKind[],
    integers: IntegerColumns = {},
  ) {
    const p = Deno.UnsafePointer.create(cursor);
    if (p === null) throw new Error("Null cursor");
    const buffer = Deno.UnsafePointerView.getArrayBuffer(p, CURSOR_BYTES);
    this.#header = new Int32Array(buffer);
    this.#struct = new DataView(buffer);
    this.#columns = keys.length;
    this.#keys = keys;
    this.#kinds = kinds;
    this.#unsigned = integers.unsigned ?? [];
    this.#onOutOfRange = integers.onOutOfRange;
    this.#struct.setBigUint64(API, code.api, true);
    this.#struct.setBigUint64(REFILL, refill, true);
    this.#struct.setBigUint64(CANCEL, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(cancel))), true);
    this.#struct.setBigUint64(ARENA, this.#address(this.#arena), true);
    this.#header[COLUMNS] = this.#columns;
    this.#clear();
  }

  /** Starts a scan: `next` pulls one row (undefined at the end); `used` lists the column indexes to encode. */
  start(next: () => Row | undefined, used: number[]): void {
    if (used.length !== this.#used.length || used.some((c, i) => c !== this.#used[i])) {
      // Cells of columns no longer used must read as NULL.
      this.#i32.fill(0);
      this.#used = used;
    }
    this.#source = next;
    this.#pending = undefined;
    this.#batchRows = 1;
    this.#struct.setBigInt64(ROWID, 0n, true);
  }

  /** Ends the scan (an error or a close): the cursor reads as at its end. */
  stop(): void {
    this.#source = undefined;
    this.#pending = undefined;
    this.#clear();
  }

  /**
   * Fills the next batch. Throws what the generator threw — after the rows it produced before
   * that have been served, as the TypeScript cursor would.
   */
  refill(): void {
    if (this.#pending !== undefined) {
      const err = this.#pending;
      this.stop();
      throw err;
    }
    const source = this.#source;
    if (!source) {
      this.#clear();
      return;
    }
    const target = this.#batchRows;
    if (this.#batchRows < MAX_BATCH_ROWS) this.#batchRows *= 2;
    if (target > this.#capacity) this.#grow(target);
    this.#arenaUsed = 0;
    let rows = 0;
    let done = false;
    while (rows < target && this.#arenaUsed < ARENA_SOFT_LIMIT) {
      let row: Row | undefined;
      try {
        row = source();
      } catch (err) {
        if (rows === 0) {
          this.stop();
          throw err;
        }
        this.#pending = err ?? new Error("Table generator failed");
        break;
      }
      if (row === undefined) {
        done = true;
        this.#source = undefined;
        break;
      }
      this.#encodeRow(row, rows * this.#columns);
      rows++;
    }
    const h = this.#header;
    h[ROW] = 0;
    h[ROWS] = rows;
    h[DONE] = done ? 1 : 0;
    this.#struct.setBigUint64(ARENA, this.#address(this.#arena), true);
  }

  #clear(): void {
    const h = this.#header;
    h[ROW] = 0;
    h[ROWS] = 0;
    h[DONE] = 1;
  }

  #address(buffer: Uint8Array<ArrayBuffer> | ArrayBuffer): bigint {
    return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
  }

  #grow(rows: number): void {
    const cells = new ArrayBuffer(rows * this.#columns * LAYOUT.cellBytes || LAYOUT.cellBytes);
    this.#cells = cells;
    this.#i32 = new Int32Array(cells);
    this.#f64 = new Float64Array(cells);
    this.#i64 = new BigInt64Array(cells);
    this.#capacity = rows;
    this.#struct.setBigUint64(CELLS, this.#address(cells), true);
  }

  #encodeRow(row: Row, base: number): void {
    const used = this.#used;
    const keys = this.#keys;
    const kinds = this.#kinds;
    for (let u = 0; u < used.length; u++) {
      const c = used[u];
      const value = row[keys[c]];
      const cell = base + c;
      if (value === null || value === undefined) {
        // osquery's rule: a TEXT or BLOB column a row leaves unset reads as "" (see module.ts).
        if (kinds[c] === CellKind.Text || kinds[c] === CellKind.Blob) this.#text("", cell);
        else this.#i32[cell * 4] = CELL_NULL;
        continue;
      }
      switch (kinds[c]) {
        case CellKind.Integer:
          this.#integer(value, cell, c);
          break;
        case CellKind.Double: {
          const n = typeof value === "number" ? value : Number(typeof value === "string" ? value.trim() : value);
          if (typeof value === "string" && value.trim() === "" || !Number.isFinite(n)) {
            this.#i32[cell * 4] = CELL_NULL;
          } else {
            this.#i32[cell * 4] = CELL_DOUBLE;
            this.#f64[cell * 2 + 1] = n;
          }
          break;
        }
        case CellKind.Blob:
          if (value instanceof Uint8Array) this.#bytes(value, cell);
          else this.#text(String(value), cell);
          break;
        default:
          this.#text(
            typeof value === "string" ? value : value instanceof Uint8Array ? decoder.decode(value) : String(value),
            cell,
          );
      }
    }
  }

  #integer(value: Row[string], cell: number, column: number): void {
    let n: number | bigint | undefined;
    if (typeof value === "number") n = value;
    else if (typeof value === "bigint") n = value;
    else if (typeof value === "boolean") n = value ? 1 : 0;
    else if (typeof value === "string") {
      n = parseInteger(value, this.#unsigned[column], () => this.#onOutOfRange?.(column, value));
    } else n = undefined;
    if (typeof n === "number") {
      if (!Number.isFinite(n)) {
        this.#i32[cell * 4] = CELL_NULL;
        return;
      }
      const t = Math.trunc(n);
      if (t < TWO_63 && t >= -TWO_63) {
        this.#i32[cell * 4] = CELL_INTEGER;
        this.#f64[cell * 2 + 1] = t;
        return;
      }
      n = BigInt(t);
    }
    if (n === undefined) {
      this.#i32[cell * 4] = CELL_NULL;
      return;
    }
    this.#i32[cell * 4] = CELL_INT64;
    this.#i64[cell * 2 + 1] = BigInt.asIntN(64, n);
  }

  #reserve(bytes: number): Uint8Array<ArrayBuffer> {
    const need = this.#arenaUsed + bytes;
    if (need > this.#arena.length) {
      let size = this.#arena.length * 2;
      while (size < need) size *= 2;
      const bigger = new Uint8Array(new ArrayBuffer(size));
      bigger.set(this.#arena.subarray(0, this.#arenaUsed));
      this.#arena = bigger;
    }
    return this.#arena;
  }

  #text(text: string, cell: number): void {
    const n = text.length;
    const offset = this.#arenaUsed;
    const arena = this.#reserve(n * 3);
    let written = 0;
    if (n <= ASCII_LOOP) {
      for (; written < n; written++) {
        const ch = text.charCodeAt(written);
        if (ch > 0x7f) break;
        arena[offset + written] = ch;
      }
    }
    if (written < n) written = encoder.encodeInto(text, arena.subarray(offset)).written;
    this.#i32[cell * 4] = CELL_TEXT;
    this.#i32[cell * 4 + 1] = written;
    this.#f64[cell * 2 + 1] = offset;
    this.#arenaUsed = offset + written;
  }

  #bytes(value: Uint8Array, cell: number): void {
    const offset = this.#arenaUsed;
    const arena = this.#reserve(value.length);
    arena.set(value, offset);
    this.#i32[cell * 4] = CELL_BLOB;
    this.#i32[cell * 4 + 1] = value.length;
    this.#f64[cell * 2 + 1] = offset;
    this.#arenaUsed = offset + value.length;
  }
}
