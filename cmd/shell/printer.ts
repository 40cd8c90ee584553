/**
 * Output modes, as osqueryi prints them (osquery/devtools/printer.cpp and shell_callback):
 *
 * - `pretty` (default): the `+---+` table; widths are the longest value or name in characters;
 *   nothing at all for an empty result. Within pretty mode `--json`, `--json_pretty` and
 *   osq's `--json_typed` replace the table.
 * - `line`, `list`, `column`: as sqlite3's shell, headers per statement.
 * - `csv`: RFC 4180 (osq's choice; see {@linkcode CsvPrinter}).
 *
 * A printer lives for one execution of SQL text (one or more statements): like osqueryi, the
 * pretty and JSON forms gather the rows of every statement of that text into one result.
 * Rows stream: JSON, list, line, column and CSV write each row as it comes; the pretty table
 * must know every width first, so it keeps rows in memory up to a bound and spills the rest to
 * a temporary file, then prints.
 *
 * @module
 */
import { Output, type SyncWriter } from "./output.ts";

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

const textEncoder = new TextEncoder();

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
const LARGE = 1 << 16;

/** Builds the printer for the current settings. */
export function createPrinter(settings: PrintSettings, out: Output, cancelled?: () => boolean): Printer {
  switch (settings.mode) {
    case "line":
      return new LinePrinter(settings, out);
    case "column":
      return new ColumnPrinter(settings, out);
    case "list":
      return new ListPrinter(settings, out);
    case "csv":
      return new CsvPrinter(settings, out);
    default:
      switch (settings.json) {
        case "json":
          return new JsonPrinter(settings, out);
        case "json_pretty":
          return new JsonPrettyPrinter(settings, out);
        case "json_typed":
          return new JsonTypedPrinter(settings, out);
        default:
          return new PrettyPrinter(settings, out, cancelled);
      }
  }
}

// ---------------------------------------------------------------------------------------------
// Text measures

const encoder = new TextEncoder();
const HIGH_SURROGATE = /[\uD800-\uDBFF]/;
// deno-lint-ignore no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** Characters (Unicode code points) in a string: osquery's utf8StringSize. */
export function charCount(text: string): number {
  if (!HIGH_SURROGATE.test(text)) return text.length;
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** UTF-8 bytes in a string (strlen in osqueryi's line and column modes). */
export function byteLength(text: string): number {
  return NON_ASCII.test(text) ? encoder.encode(text).length : text.length;
}

// ---------------------------------------------------------------------------------------------
// JSON text, as RapidJSON's writer produces it

// deno-lint-ignore no-control-regex
const NEEDS_HEX_FIX = /[\x00-\x07\x0b\x0e-\x1f]/;

/** A JSON string literal as RapidJSON writes it (control characters as upper-case \u00XX). */
export function jsonString(text: string): string {
  const quoted = JSON.stringify(text);
  if (!NEEDS_HEX_FIX.test(text)) return quoted;
  return quoted.replace(
    /\\(u00[0-9a-f]{2}|[^u])/g,
    (match, escape: string) => escape.length === 5 ? "\\u00" + escape.slice(3).toUpperCase() : match,
  );
}

/** Compares strings by code point (the byte order of their UTF-8, as std::map keys sort). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * The keys of a row object as osquery builds it (a std::map): unique names in sorted order,
 * each with the index of its last occurrence (a later column of the same name wins).
 */
export function sortedKeys(names: readonly string[]): { name: string; index: number }[] {
  const last = new Map<string, number>();
  names.forEach((name, i) => last.set(name, i));
  return [...last.entries()].sort((a, b) => compareCodePoints(a[0], b[0])).map(([name, index]) => ({ name, index }));
}

// ---------------------------------------------------------------------------------------------
// --json: `[\n  {...},\n  {...}\n]\n`, `[\n\n]\n` when empty

class JsonPrinter implements Printer {
  #keys: { prefix: Uint8Array; index: number }[] = [];
  #rows = 0;
  readonly #first = textEncoder.encode("[\n  ");
  readonly #next = textEncoder.encode(",\n  ");
  readonly #null: Uint8Array;
  constructor(settings: PrintSettings, private readonly out: Output) {
    this.#null = textEncoder.encode(jsonString(settings.nullvalue));
  }

  columns(names: readonly string[]): void {
    this.#keys = sortedKeys(names).map((k, i) => ({
      prefix: textEncoder.encode((i ? "," : "{") + jsonString(k.name) + ":"),
      index: k.index,
    }));
  }

  row(cells: Cells): void {
    const out = this.out;
    out.writeBytes(this.#rows++ === 0 ? this.#first : this.#next);
    for (const key of this.#keys) {
      out.writeBytes(key.prefix);
      writeJsonValue(out, cells, key.index, this.#null);
    }
    out.writeByte(0x7d);
  }

  finish(): void {
    this.out.write(this.#rows ? "\n]\n" : "[\n\n]\n");
    this.#rows = 0;
  }
}

/** Writes value `i` as a JSON string: its bytes as they are unless they need escaping. */
function writeJsonValue(out: Output, cells: Cells, i: number, nullText: Uint8Array): void {
  if (cells.type(i) === SQL_TYPE.NULL) {
    out.writeBytes(nullText);
    return;
  }
  const n = cells.byteLength(i);
  if (n < LARGE && out.reserve(n + 2)) {
    const quote = out.position;
    out.writeByte(0x22);
    const start = cells.copy(i, out);
    const buf = out.buffer;
    const end = out.position;
    let clean = start >= 0;
    for (let k = start; clean && k < end; k++) {
      const b = buf[k];
      if (b < 0x20 || b === 0x22 || b === 0x5c) clean = false;
    }
    if (clean) {
      out.writeByte(0x22);
      return;
    }
    out.rewind(quote);
  }
  out.write(jsonString(cells.text(i) ?? ""));
}

// --json_pretty: RapidJSON's PrettyWriter with a 2-space indent; `[]` when empty.
class JsonPrettyPrinter implements Printer {
  #keys: { prefix: string; index: number }[] = [];
  #rows = 0;
  constructor(private readonly settings: PrintSettings, private readonly out: Output) {}

  columns(names: readonly string[]): void {
    this.#keys = sortedKeys(names).map((k, i) => ({
      prefix: (i ? ",\n    " : "{\n    ") + jsonString(k.name) + ": ",
      index: k.index,
    }));
  }

  row(cells: Cells): void {
    let text = this.#rows++ === 0 ? "[\n  " : ",\n  ";
    for (const key of this.#keys) text += key.prefix + jsonString(cells.text(key.index) ?? this.settings.nullvalue);
    this.out.write(text + (this.#keys.length ? "\n  }" : "{}"));
  }

  finish(): void {
    this.out.write(this.#rows ? "\n]\n" : "[]\n");
    this.#rows = 0;
  }
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/**
 * --json_typed (osq): like --json, but values keep their SQL type (integers and reals as JSON
 * numbers, NULL as null, text and blobs as strings) and keys follow the query's column order.
 */
class JsonTypedPrinter implements Printer {
  readonly typed = true;
  #keys: { prefix: string; index: number }[] = [];
  #rows = 0;
  constructor(_settings: PrintSettings, private readonly out: Output) {}

  columns(names: readonly string[]): void {
    const last = new Map<string, number>();
    names.forEach((name, i) => last.set(name, i));
    this.#keys = [...last.keys()].map((name, i) => ({
      prefix: (i ? "," : "{") + jsonString(name) + ":",
      index: last.get(name)!,
    }));
  }

  row(cells: Cells): void {
    let text = this.#rows++ === 0 ? "[\n  " : ",\n  ";
    for (const key of this.#keys) {
      const value = cells.text(key.index);
      const type = cells.type(key.index);
      text += key.prefix;
      if (value === null) text += "null";
      else if ((type === SQL_TYPE.INTEGER || type === SQL_TYPE.FLOAT) && JSON_NUMBER.test(value)) text += value;
      else text += jsonString(value);
    }
    this.out.write(text + "}");
  }

  finish(): void {
    this.out.write(this.#rows ? "\n]\n" : "[\n\n]\n");
    this.#rows = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// line: `%*s = %s`, names right-aligned to max(5, longest name in bytes), blank line between rows

class LinePrinter implements Printer {
  #labels: Uint8Array[] = [];
  #count = 0;
  readonly #null: Uint8Array;
  constructor(settings: PrintSettings, private readonly out: Output) {
    this.#null = textEncoder.encode(settings.nullvalue);
  }

  columns(names: readonly string[]): void {
    let width = 5;
    for (const name of names) width = Math.max(width, byteLength(name));
    this.#labels = names.map((name) => textEncoder.encode(" ".repeat(width - byteLength(name)) + name + " = "));
    this.#count = 0;
  }

  row(cells: Cells): void {
    const out = this.out;
    if (this.#count++ > 0) out.writeByte(0x0a);
    for (let i = 0; i < this.#labels.length; i++) {
      out.writeBytes(this.#labels[i]);
      if (cells.type(i) === SQL_TYPE.NULL) out.writeBytes(this.#null);
      else cells.copy(i, out);
      out.writeByte(0x0a);
    }
  }

  finish(): void {}
}

// list: values joined by the separator; header line before a statement's first row

class ListPrinter implements Printer {
  #names: readonly string[] = [];
  #count = 0;
  readonly #null: Uint8Array;
  readonly #separator: Uint8Array;
  constructor(private readonly settings: PrintSettings, private readonly out: Output) {
    this.#null = textEncoder.encode(settings.nullvalue);
    this.#separator = textEncoder.encode(settings.separator);
  }

  columns(names: readonly string[]): void {
    this.#names = names;
    this.#count = 0;
  }

  row(cells: Cells): void {
    const out = this.out;
    if (this.#count++ === 0 && this.settings.showHeader) out.write(this.#names.join(this.settings.separator) + "\n");
    for (let i = 0; i < cells.count; i++) {
      if (i) out.writeBytes(this.#separator);
      if (cells.type(i) === SQL_TYPE.NULL) out.writeBytes(this.#null);
      else cells.copy(i, out);
    }
    out.writeByte(0x0a);
  }

  finish(): void {}
}

/**
 * csv (osq): RFC 4180. Fields are separated by `,` (or the separator the user chose), a field is
 * quoted when it contains the separator, a double quote, CR or LF, quotes inside are doubled,
 * and records end with CRLF. osqueryi differs: `--csv` keeps `|` as the separator unless
 * `--separator=,` is also given, it quotes any field holding a byte outside printable ASCII,
 * and it ends records with LF.
 */
export class CsvPrinter implements Printer {
  #names: readonly string[] = [];
  #count = 0;
  readonly #needsQuote: RegExp;
  readonly #separator: Uint8Array;
  readonly #null: Uint8Array;
  constructor(private readonly settings: PrintSettings, private readonly out: Output) {
    const sep = settings.separator.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    this.#needsQuote = new RegExp(`["\\r\\n]${sep ? "|" + sep : ""}`);
    this.#separator = textEncoder.encode(settings.separator);
    this.#null = textEncoder.encode(this.#field(settings.nullvalue));
  }

  #field(text: string): string {
    return this.#needsQuote.test(text) ? '"' + text.replaceAll('"', '""') + '"' : text;
  }

  columns(names: readonly string[]): void {
    this.#names = names;
    this.#count = 0;
  }

  row(cells: Cells): void {
    const out = this.out;
    if (this.#count++ === 0 && this.settings.showHeader) {
      out.write(this.#names.map((n) => this.#field(n)).join(this.settings.separator) + "\r\n");
    }
    const sep = this.#separator;
    const sep0 = sep.length ? sep[0] : -1;
    for (let i = 0; i < cells.count; i++) {
      if (i) out.writeBytes(sep);
      if (cells.type(i) === SQL_TYPE.NULL) {
        out.writeBytes(this.#null);
        continue;
      }
      const n = cells.byteLength(i);
      if (n < LARGE) {
        const start = cells.copy(i, out);
        const buf = out.buffer;
        const end = out.position;
        let clean = start >= 0;
        for (let k = start; clean && k < end; k++) {
          const b = buf[k];
          if (b === 0x22 || b === 0x0d || b === 0x0a || b === sep0) clean = false;
        }
        if (clean) continue;
        if (start >= 0) out.rewind(start);
        else continue;
      }
      out.write(this.#field(cells.text(i) ?? ""));
    }
    out.writeByte(0x0d);
    out.writeByte(0x0a);
  }

  finish(): void {}
}

// column: fixed widths (`.width`, else max(10, name, first value) in bytes), two spaces apart

class ColumnPrinter implements Printer {
  #names: readonly string[] = [];
  #widths: number[] = [];
  #count = 0;
  constructor(private readonly settings: PrintSettings, private readonly out: Output) {}

  columns(names: readonly string[]): void {
    this.#names = names;
    this.#count = 0;
  }

  row(cells: Cells): void {
    const texts: (string | null)[] = [];
    for (let i = 0; i < cells.count; i++) texts.push(cells.text(i));
    const { nullvalue, colWidth, showHeader } = this.settings;
    const n = this.#names.length;
    let text = "";
    if (this.#count++ === 0) {
      this.#widths = this.#names.map((name, i) => {
        let w = colWidth[i] ?? 0;
        if (w === 0) w = Math.max(byteLength(name), 10, byteLength(texts[i] ?? nullvalue));
        return w;
      });
      if (showHeader) {
        this.#names.forEach((name, i) => text += fit(name, this.#widths[i]) + (i === n - 1 ? "\n" : "  "));
        this.#widths.forEach((w, i) =>
          text += "-".repeat(Math.min(Math.abs(w), 93)).padEnd(Math.abs(w)) +
            (i === n - 1 ? "\n" : "  ")
        );
      }
    }
    for (let i = 0; i < n; i++) text += fit(texts[i] ?? nullvalue, this.#widths[i] ?? 10) + (i === n - 1 ? "\n" : "  ");
    this.out.write(text);
  }

  finish(): void {}
}

/** printf's `%-*.*s` (negative width: `%*.*s`), counting bytes, never splitting a character. */
function fit(text: string, width: number): string {
  const w = Math.abs(width);
  let cut = text;
  if (byteLength(text) > w) {
    let bytes = 0;
    let end = 0;
    for (const ch of text) {
      const b = byteLength(ch);
      if (bytes + b > w) break;
      bytes += b;
      end += ch.length;
    }
    cut = text.slice(0, end);
  }
  const pad = " ".repeat(Math.max(0, w - byteLength(cut)));
  return width < 0 ? pad + cut : cut + pad;
}

// ---------------------------------------------------------------------------------------------
// pretty: the `+---+` table

/** A writer that creates its temporary file only when the first bytes must leave memory. */
class SpillFile implements SyncWriter {
  path: string | undefined;
  file: Deno.FsFile | undefined;
  writeSync(p: Uint8Array): number {
    if (!this.file) {
      this.path = Deno.makeTempFileSync({ prefix: "osq-shell-" });
      this.file = Deno.openSync(this.path, { read: true, write: true });
    }
    return this.file.writeSync(p);
  }
  remove(): void {
    this.file?.close();
    if (this.path) Deno.removeSync(this.path);
    this.file = undefined;
    this.path = undefined;
  }
}

/** Characters (code points) in UTF-8 bytes: every byte that does not continue a character. */
function utf8Chars(buf: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let k = start; k < end; k++) if ((buf[k] & 0xc0) !== 0x80) n++;
  return n;
}

const MISSING = 0xffffffff;

/**
 * The pretty table. Like osqueryi, the column list is the first row's statement's; rows of a
 * later statement are matched by column name (a missing one prints the null value). While rows
 * arrive, each printed value is stored as `[byte length][characters][UTF-8 bytes]` in a 1 MiB
 * buffer that spills to a temporary file, and widths are tracked; at the end the records are
 * read back and printed. Memory stays bounded whatever the size of the result.
 */
class PrettyPrinter implements Printer {
  #printed: string[] | undefined;
  #statementNames: readonly string[] = [];
  /** For each printed column, the index of its value in the current statement's row (-1 = none). */
  #map: number[] = [];
  #mapFresh = false;
  /** The current statement's columns that are not printed (they still widen osquery's lengths). */
  #unprinted: number[] = [];
  /** Width by column name (osquery's `lengths`), over every column of every row. */
  readonly #lengths = new Map<string, number>();
  /** The widest value of each printed column so far (-1: none yet), folded into #lengths at the end. */
  #widest: number[] = [];
  /** Widths of the current statement's columns, as indexes into #lengths (by name). */
  #firstRowNames: readonly string[] = [];
  #spill = new SpillFile();
  #store: Output = new Output(this.#spill, "spill");
  #view = new DataView(this.#store.buffer.buffer);
  readonly #null: Uint8Array;
  readonly #nullChars: number;

  constructor(
    private readonly settings: PrintSettings,
    private readonly out: Output,
    private readonly cancelled: () => boolean = () => false,
  ) {
    this.#null = textEncoder.encode(settings.nullvalue);
    this.#nullChars = charCount(settings.nullvalue);
  }

  columns(names: readonly string[]): void {
    this.#statementNames = names;
    this.#mapFresh = false;
  }

  #note(name: string, size: number): void {
    const current = this.#lengths.get(name);
    if (current === undefined || size > current) this.#lengths.set(name, size);
  }

  row(cells: Cells): void {
    const names = this.#statementNames;
    if (!this.#printed) {
      this.#printed = [...names];
      this.#widest = names.map(() => -1);
      this.#firstRowNames = names;
    }
    if (!this.#mapFresh) {
      const last = new Map<string, number>();
      names.forEach((name, i) => last.set(name, i));
      this.#map = this.#printed.map((name) => last.get(name) ?? -1);
      this.#unprinted = names.map((_, j) => j).filter((j) => last.get(names[j]) === j && !this.#map.includes(j));
      this.#mapFresh = true;
    }
    const store = this.#store;
    for (let c = 0; c < this.#map.length; c++) {
      const j = this.#map[c];
      if (j < 0) {
        store.reserve(8);
        this.#view.setUint32(store.position, MISSING, true);
        this.#view.setUint32(store.position + 4, 0, true);
        store.position += 8;
        continue;
      }
      let chars: number;
      if (cells.type(j) === SQL_TYPE.NULL) {
        store.reserve(8 + this.#null.length);
        const head = store.position;
        store.position += 8;
        store.writeBytes(this.#null);
        chars = this.#nullChars;
        this.#view.setUint32(head, this.#null.length, true);
        this.#view.setUint32(head + 4, chars, true);
      } else {
        const n = cells.byteLength(j);
        if (store.reserve(8 + n)) {
          const head = store.position;
          store.position += 8;
          const start = cells.copy(j, store);
          chars = utf8Chars(store.buffer, start, store.position);
          this.#view.setUint32(head, n, true);
          this.#view.setUint32(head + 4, chars, true);
        } else {
          // A value larger than the buffer: header, then the bytes straight to the spill file.
          const text = cells.text(j) ?? "";
          chars = charCount(text);
          store.reserve(8);
          this.#view.setUint32(store.position, n, true);
          this.#view.setUint32(store.position + 4, chars, true);
          store.position += 8;
          store.write(text);
        }
      }
      if (chars > this.#widest[c]) this.#widest[c] = chars;
    }
    // Columns of this statement that are not printed still widen osquery's lengths.
    for (const j of this.#unprinted) this.#note(names[j], charCount(cells.text(j) ?? this.settings.nullvalue));
  }

  finish(): void {
    try {
      if (this.#printed) this.#print(this.#printed);
    } finally {
      this.#spill.remove();
      this.#spill = new SpillFile();
      this.#store = new Output(this.#spill, "spill");
      this.#view = new DataView(this.#store.buffer.buffer);
      this.#printed = undefined;
      this.#lengths.clear();
    }
  }

  #print(columns: string[]): void {
    const lengths = this.#lengths;
    this.#widest.forEach((size, c) => {
      if (size >= 0) this.#note(columns[c], size);
    });
    // osquery's final pass: the first row's column names are minimum widths.
    for (const name of this.#firstRowNames) {
      const size = charCount(name);
      if (size > (lengths.get(name) ?? 0)) lengths.set(name, size);
    }
    const widths = columns.map((c) => lengths.get(c));
    const separator = "+" + columns.map((c, i) => "-".repeat((widths[i] ?? c.length) + 2) + "+").join("") + "\n";
    let header = "|";
    columns.forEach((c, i) => header += " " + c + " ".repeat(Math.max(0, (widths[i] ?? 0) - charCount(c))) + " |");
    const out = this.out;
    out.write(separator + header + "\n" + separator);
    const nullPad = columns.map((c) => Math.max(0, byteLength(c) - this.#nullChars) + 1);
    const pads = widths.map((w) => (w ?? 0) + 1);
    const bar = textEncoder.encode("| ");
    const reader = new RecordReader(this.#store, this.#spill);
    const n = columns.length;
    let column = 0;
    for (;;) {
      if (!reader.next()) break;
      const { buf, start, length, chars } = reader;
      out.writeBytes(bar);
      if (length === MISSING || widths[column] === undefined) {
        out.writeBytes(this.#null);
        out.spaces(nullPad[column]);
      } else {
        if (length < 64) {
          // Short values: a plain loop (no subarray view per value).
          out.reserve(length);
          const dst = out.buffer;
          let at = out.position;
          for (let k = start, end = start + length; k < end; k++) dst[at++] = buf[k];
          out.position = at;
        } else out.writeBytes(buf.subarray(start, start + length));
        out.spaces(pads[column] - chars);
      }
      if (++column === n) {
        out.writeByte(0x7c);
        out.writeByte(0x0a);
        column = 0;
        if (this.cancelled()) break;
      }
    }
    out.write(separator);
  }
}

/** Reads back the pretty printer's records: from the spill file, then what is still buffered. */
class RecordReader {
  #buf: Uint8Array;
  #pos = 0;
  #end = 0;
  #fileDone: boolean;
  #view: DataView;

  constructor(private readonly store: Output, private readonly spill: SpillFile) {
    this.#fileDone = !spill.file;
    if (spill.file) {
      store.flush();
      spill.file.seekSync(0, Deno.SeekMode.Start);
      this.#buf = new Uint8Array(1 << 20);
    } else {
      this.#buf = store.buffer;
      this.#end = store.position;
      this.#fileDone = true;
    }
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset);
  }

  #fill(need: number): boolean {
    while (this.#end - this.#pos < need) {
      if (this.#fileDone) return false;
      if (this.#pos > 0) {
        this.#buf.copyWithin(0, this.#pos, this.#end);
        this.#end -= this.#pos;
        this.#pos = 0;
      }
      if (this.#end + need > this.#buf.length) {
        const bigger = new Uint8Array(Math.max(this.#buf.length * 2, need * 2));
        bigger.set(this.#buf.subarray(0, this.#end));
        this.#buf = bigger;
        this.#view = new DataView(bigger.buffer);
      }
      const n = this.spill.file!.readSync(this.#buf.subarray(this.#end));
      if (n === null || n === 0) this.#fileDone = true;
      else this.#end += n;
    }
    return true;
  }

  /** The current record's buffer, start, byte length (MISSING for none) and characters. */
  buf: Uint8Array = new Uint8Array(0);
  start = 0;
  length = 0;
  chars = 0;

  /** Moves to the next record; false at the end. */
  next(): boolean {
    if (!this.#fill(8)) return false;
    this.length = this.#view.getUint32(this.#pos, true);
    this.chars = this.#view.getUint32(this.#pos + 4, true);
    this.#pos += 8;
    const size = this.length === MISSING ? 0 : this.length;
    if (!this.#fill(size)) return false;
    this.buf = this.#buf;
    this.start = this.#pos;
    this.#pos += size;
    return true;
  }
}
