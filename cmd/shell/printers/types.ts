/**
 * What every printer shares: the settings it reads, the cells of a row and the printer interface.
 *
 * @module
 */
import type { Output } from "../output.ts";
import { byteLength } from "./text.ts";

/** SQLite fundamental types as sqlite3_column_type returns them. */
export const SQL_TYPE = { INTEGER: 1, FLOAT: 2, TEXT: 3, BLOB: 4, NULL: 5 } as const;

/** osqueryi's output modes (`.mode`). */
export type Mode = "line" | "column" | "list" | "csv" | "pretty";

/** The JSON forms that replace the pretty table. */
export type JsonForm = "none" | "json" | "json_pretty" | "json_typed";

/** Settings a printer reads (the shell's `callback_data`). */
export interface PrintSettings {
  mode: Mode;
  json: JsonForm;
  showHeader: boolean;
  separator: string;
  nullvalue: string;
  /** `.width` values for column mode (0 = automatic; negative = right-aligned). */
  colWidth: number[];
}

/** The values of the current row: their SQLite types, text, and UTF-8 bytes. */
export interface Cells {
  /** Number of values. */
  readonly count: number;
  /**
   * SQLite's type of value `i` ({@linkcode SQL_TYPE}); for cells read for a printer that is not
   * {@linkcode Printer.typed}, only NULL is exact and any other value reports TEXT.
   */
  type(i: number): number;
  /** Value `i` as text (null for NULL). */
  text(i: number): string | null;
  /** UTF-8 length of value `i` (0 for NULL). */
  byteLength(i: number): number;
  /**
   * Appends value `i`'s UTF-8 bytes to `out` in one contiguous run; returns where they start in
   * `out.buffer` (bytes up to `out.position`), or -1 when they went straight out (too large).
   */
  copy(i: number, out: Output): number;
}

/** Cells over JavaScript strings (remote results, `.types`, tests). */
export class TextCells implements Cells {
  #texts: readonly (string | null)[] = [];
  #types: ArrayLike<number> = [];
  /** Points at a row. */
  set(texts: readonly (string | null)[], types: ArrayLike<number>): this {
    this.#texts = texts;
    this.#types = types;
    return this;
  }
  get count(): number {
    return this.#texts.length;
  }
  type(i: number): number {
    return this.#texts[i] === null ? SQL_TYPE.NULL : this.#types[i] ?? SQL_TYPE.TEXT;
  }
  text(i: number): string | null {
    return this.#texts[i];
  }
  byteLength(i: number): number {
    return byteLength(this.#texts[i] ?? "");
  }
  copy(i: number, out: Output): number {
    const text = this.#texts[i] ?? "";
    const n = byteLength(text);
    if (!out.reserve(n)) {
      out.write(text);
      return -1;
    }
    const start = out.position;
    out.write(text);
    return start;
  }
}

/** Receives the result of one execution: statements' columns, then their rows. */
export interface Printer {
  /**
   * The printer reads each value's SQLite type beyond NULL or not (`--json_typed`); the others
   * only ask {@linkcode Cells.type} whether a value is NULL, which spares a call per value.
   */
  readonly typed?: boolean;
  /** A statement that returns columns starts. */
  columns(names: readonly string[]): void;
  /** One row of the current statement. */
  row(cells: Cells): void;
  /** The execution ended (successfully or not): print what is gathered. */
  finish(): void;
}

/** Values larger than this take the string path (escaping needs the whole value in the buffer). */
export const LARGE = 1 << 16;
