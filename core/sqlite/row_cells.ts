/**
 * The current row of a running statement read without copying: each value's storage class and,
 * for non-NULL values, the address and byte length of its text as SQLite renders it
 * (sqlite3_column_text), valid until the next step. Printers and canonicalizers that turn a
 * million rows into text use it so that a value is copied once, straight to where it goes.
 *
 * @example
 * ```ts
 * import { Database } from "./database.ts";
 * import { RowCells } from "./row_cells.ts";
 *
 * const db = new Database(":memory:");
 * const statement = db.prepare("select 1 as a, null as b");
 * const cells = new RowCells();
 * while (statement.step()) {
 *   cells.load(statement, 2);
 *   console.log(cells.text(0), cells.type(1)); // "1" 5 (NULL)
 * }
 * statement.finalize();
 * db.close();
 * ```
 *
 * @module
 */
import type { Statement } from "./database.ts";
import { readSqliteText, SQLITE, sqlite } from "./ffi.ts";

const decoder = new TextDecoder();

/**
 * SQLite's storage classes, as {@linkcode RowCells.type} reports them: what callers outside the
 * engine compare a cell's type with (they never import the FFI bindings).
 */
export const StorageClass = {
  INTEGER: SQLITE.INTEGER,
  FLOAT: SQLITE.FLOAT,
  TEXT: SQLITE.TEXT,
  BLOB: SQLITE.BLOB,
  NULL: SQLITE.NULL,
} as const;

/** A reusable view of the current row of a statement. */
export class RowCells {
  /** Columns loaded by the last {@linkcode RowCells.load}. */
  count = 0;
  #handle = 0n;
  #types = new Int32Array(0);
  #addresses: bigint[] = [];
  #lengths = new Int32Array(0);
  #scratch = new Uint8Array(4096);
  /** Set by {@linkcode RowCells.loadIntegers}: `#numbers[i]` holds column i's value when `#asNumber[i]`. */
  #numbersLoaded = false;
  #asNumber = new Uint8Array(0);
  #numbers: (number | bigint)[] = [];

  /** Starts reading a row of `statement` with `n` columns (buffers grown to fit); its handle. */
  #begin(statement: Statement, n: number): bigint {
    const handle = statement.handle;
    this.#handle = handle;
    if (this.#types.length < n) {
      this.#types = new Int32Array(n);
      this.#addresses = new Array<bigint>(n).fill(0n);
      this.#lengths = new Int32Array(n);
    }
    this.count = n;
    return handle;
  }

  /**
   * Reads the current row of `statement` (n columns). With `typed` false a value's type is only
   * NULL or TEXT, a value two calls instead of three (see `#loadText`).
   */
  load(statement: Statement, n: number, typed = true): void {
    const s = sqlite();
    const handle = this.#begin(statement, n);
    this.#numbersLoaded = false;
    const types = this.#types;
    const addresses = this.#addresses;
    const lengths = this.#lengths;
    if (typed) {
      for (let i = 0; i < n; i++) {
        const type = s.sqlite3_column_type(handle, i);
        types[i] = type;
        if (type === SQLITE.NULL) continue;
        addresses[i] = BigInt(s.sqlite3_column_text(handle, i));
        lengths[i] = s.sqlite3_column_bytes(handle, i);
      }
      return;
    }
    for (let i = 0; i < n; i++) this.#loadText(handle, i);
  }

  /**
   * Reads column `i` of the row as text, its type only NULL or TEXT: sqlite3_column_text returns
   * a null pointer exactly for NULL (and on out-of-memory, which sqlite3_column_type then tells
   * apart), so a value costs two calls instead of three.
   */
  #loadText(handle: bigint, i: number): void {
    const s = sqlite();
    const address = BigInt(s.sqlite3_column_text(handle, i));
    if (address === 0n) {
      const type = s.sqlite3_column_type(handle, i);
      this.#types[i] = type;
      if (type !== SQLITE.NULL) this.#lengths[i] = 0; // out of memory: empty text
      this.#addresses[i] = 0n;
      return;
    }
    this.#types[i] = SQLITE.TEXT;
    this.#addresses[i] = address;
    this.#lengths[i] = s.sqlite3_column_bytes(handle, i);
  }

  /**
   * Reads the current row of `statement` (n columns) as an untyped {@linkcode RowCells.load} does,
   * except in the columns `integers` flags with 1 (those declared INTEGER, BIGINT, ...): an INTEGER
   * value there is read as a 64-bit integer ({@linkcode RowCells.integer}), not as the text SQLite
   * would render it as (sparing SQLite the conversion and its allocation, and the caller a copy);
   * a value of another type there is read as text. {@linkcode RowCells.type} then reports INTEGER
   * for those values, NULL or TEXT for the others; text accessors render them as SQLite would.
   */
  loadIntegers(statement: Statement, n: number, integers: Uint8Array): void {
    const s = sqlite();
    const handle = this.#begin(statement, n);
    if (this.#asNumber.length < n) {
      this.#asNumber = new Uint8Array(n);
      this.#numbers = new Array<number | bigint>(n).fill(0);
    }
    this.#numbersLoaded = true;
    const types = this.#types;
    const asNumber = this.#asNumber;
    for (let i = 0; i < n; i++) {
      if (integers[i] === 1) {
        const type = s.sqlite3_column_type(handle, i);
        if (type === SQLITE.INTEGER) {
          types[i] = type;
          asNumber[i] = 1;
          this.#numbers[i] = s.sqlite3_column_int64(handle, i);
          continue;
        }
      }
      asNumber[i] = 0;
      this.#loadText(handle, i);
    }
  }

  /**
   * Column `i`'s value when {@linkcode RowCells.loadIntegers} read it as an integer, else
   * undefined (then its text is at {@linkcode RowCells.address}).
   */
  integer(i: number): number | bigint | undefined {
    return this.#numbersLoaded && this.#asNumber[i] === 1 ? this.#numbers[i] : undefined;
  }

  /**
   * Reads only the storage classes of the current row of `statement` (n columns), converting
   * no value: a caller that renders each class its own way then reads each value once, with
   * {@linkcode RowCells.integerText}, {@linkcode RowCells.double} or
   * {@linkcode RowCells.columnText} (text and address accessors need {@linkcode RowCells.load}).
   */
  loadTypes(statement: Statement, n: number): void {
    const s = sqlite();
    const handle = this.#begin(statement, n);
    this.#numbersLoaded = false;
    for (let i = 0; i < n; i++) this.#types[i] = s.sqlite3_column_type(handle, i);
  }

  /** Column `i` (an SQLITE.INTEGER value) as decimal text, read as a 64-bit integer. */
  integerText(i: number): string {
    return String(sqlite().sqlite3_column_int64(this.#handle, i));
  }

  /**
   * Column `i` as text read from SQLite now (after either load): one read of the NUL-terminated
   * copy when it is plain ASCII (its length then equals the byte count), else the counted bytes
   * as UTF-8. NULL reads as "".
   */
  columnText(i: number): string {
    const s = sqlite();
    const address = s.sqlite3_column_text(this.#handle, i);
    return readSqliteText(address, s.sqlite3_column_bytes(this.#handle, i));
  }

  /** SQLite's storage class of column `i` (SQLITE.INTEGER … SQLITE.NULL). */
  type(i: number): number {
    return this.#types[i];
  }

  /** Bytes of column `i`'s text (0 for NULL). */
  byteLength(i: number): number {
    const number = this.integer(i);
    if (number !== undefined) return String(number).length;
    return this.#types[i] === SQLITE.NULL ? 0 : this.#lengths[i];
  }

  /**
   * Address of column `i`'s text in SQLite's memory (0n for NULL, and for a value read as an
   * integer: see {@linkcode RowCells.integer}), valid until the next step.
   */
  address(i: number): bigint {
    return this.#types[i] === SQLITE.NULL || this.integer(i) !== undefined ? 0n : this.#addresses[i];
  }

  /** Column `i` as a double (meaningful for SQLITE.FLOAT and INTEGER values). */
  double(i: number): number {
    return sqlite().sqlite3_column_double(this.#handle, i);
  }

  /** Column `i` as text, or null for NULL. */
  text(i: number): string | null {
    const number = this.integer(i);
    if (number !== undefined) return String(number);
    const view = this.bytes(i);
    return view === null ? null : view.length === 0 ? "" : decoder.decode(view);
  }

  /**
   * Column `i`'s text as bytes (after {@linkcode RowCells.load}), or null for NULL: a view of a
   * scratch buffer that the next call reuses, for a caller that copies the bytes on at once.
   */
  bytes(i: number): Uint8Array | null {
    if (this.#types[i] === SQLITE.NULL) return null;
    const number = this.integer(i);
    if (number !== undefined) {
      const digits = String(number);
      for (let k = 0; k < digits.length; k++) this.#scratch[k] = digits.charCodeAt(k);
      return this.#scratch.subarray(0, digits.length);
    }
    const n = this.#lengths[i];
    if (n === 0) return this.#scratch.subarray(0, 0);
    const pointer = Deno.UnsafePointer.create(this.#addresses[i]);
    if (pointer === null) return this.#scratch.subarray(0, 0);
    if (n > this.#scratch.length) this.#scratch = new Uint8Array(n * 2);
    const view = this.#scratch.subarray(0, n);
    Deno.UnsafePointerView.copyInto(pointer, view);
    return view;
  }
}
