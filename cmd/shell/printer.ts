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
import type { Output } from "./output.ts";

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

/** Receives the result of one execution: statements' columns, then their rows. */
export interface Printer {
  /** A statement that returns columns starts. */
  columns(names: readonly string[]): void;
  /** One row: text of each value (null for NULL) and SQLite's type of each value. */
  row(texts: readonly (string | null)[], types: ArrayLike<number>): void;
  /** The execution ended (successfully or not): print what is gathered. */
  finish(): void;
}

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
  #keys: { prefix: string; index: number }[] = [];
  #rows = 0;
  constructor(private readonly settings: PrintSettings, private readonly out: Output) {}

  columns(names: readonly string[]): void {
    this.#keys = sortedKeys(names).map((k, i) => ({
      prefix: (i ? "," : "{") + jsonString(k.name) + ":",
      index: k.index,
    }));
  }

  row(texts: readonly (string | null)[]): void {
    let text = this.#rows++ === 0 ? "[\n  " : ",\n  ";
    for (const key of this.#keys) text += key.prefix + jsonString(texts[key.index] ?? this.settings.nullvalue);
    this.out.write(text + "}");
  }

  finish(): void {
    this.out.write(this.#rows ? "\n]\n" : "[\n\n]\n");
    this.#rows = 0;
  }
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

  row(texts: readonly (string | null)[]): void {
    let text = this.#rows++ === 0 ? "[\n  " : ",\n  ";
    for (const key of this.#keys) text += key.prefix + jsonString(texts[key.index] ?? this.settings.nullvalue);
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

  row(texts: readonly (string | null)[], types: ArrayLike<number>): void {
    let text = this.#rows++ === 0 ? "[\n  " : ",\n  ";
    for (const key of this.#keys) {
      const value = texts[key.index];
      const type = types[key.index];
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
  #labels: string[] = [];
  #count = 0;
  constructor(private readonly settings: PrintSettings, private readonly out: Output) {}

  columns(names: readonly string[]): void {
    let width = 5;
    for (const name of names) width = Math.max(width, byteLength(name));
    this.#labels = names.map((name) => " ".repeat(width - byteLength(name)) + name + " = ");
    this.#count = 0;
  }

  row(texts: readonly (string | null)[]): void {
    let text = this.#count++ > 0 ? "\n" : "";
    for (let i = 0; i < this.#labels.length; i++) {
      text += this.#labels[i] + (texts[i] ?? this.settings.nullvalue) + "\n";
    }
    this.out.write(text);
  }

  finish(): void {}
}

// list: values joined by the separator; header line before a statement's first row

class ListPrinter implements Printer {
  #names: readonly string[] = [];
  #count = 0;
  constructor(private readonly settings: PrintSettings, private readonly out: Output) {}

  columns(names: readonly string[]): void {
    this.#names = names;
    this.#count = 0;
  }

  row(texts: readonly (string | null)[]): void {
    const { separator, nullvalue } = this.settings;
    let text = "";
    if (this.#count++ === 0 && this.settings.showHeader) text = this.#names.join(separator) + "\n";
    for (let i = 0; i < texts.length; i++) text += (i ? separator : "") + (texts[i] ?? nullvalue);
    this.out.write(text + "\n");
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
  #needsQuote: RegExp;
  constructor(private readonly settings: PrintSettings, private readonly out: Output) {
    const sep = settings.separator.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    this.#needsQuote = new RegExp(`["\\r\\n]${sep ? "|" + sep : ""}`);
  }

  #field(text: string): string {
    return this.#needsQuote.test(text) ? '"' + text.replaceAll('"', '""') + '"' : text;
  }

  columns(names: readonly string[]): void {
    this.#names = names;
    this.#count = 0;
  }

  row(texts: readonly (string | null)[]): void {
    const { separator, nullvalue } = this.settings;
    let text = "";
    if (this.#count++ === 0 && this.settings.showHeader) {
      text = this.#names.map((n) => this.#field(n)).join(separator) + "\r\n";
    }
    for (let i = 0; i < texts.length; i++) text += (i ? separator : "") + this.#field(texts[i] ?? nullvalue);
    this.out.write(text + "\r\n");
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

  row(texts: readonly (string | null)[]): void {
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

/** Rows kept in memory before the pretty printer spills to a temporary file. */
const SPILL_ROWS = 20_000;

/**
 * The pretty table. Like osqueryi, the column list is the first row's statement's; rows of a
 * later statement are matched by column name (a missing one prints the null value). Rows wait in
 * memory up to {@linkcode SPILL_ROWS}, then go to a temporary file as JSON lines, so a result of
 * any size prints with bounded memory.
 */
class PrettyPrinter implements Printer {
  #printed: string[] | undefined;
  #statementNames: readonly string[] = [];
  /** For each printed column, the index of its value in the current statement's row (-1 = none). */
  #map: number[] = [];
  #mapFresh = false;
  /** Width by column name (osquery's `lengths`), over every column of every row. */
  readonly #lengths = new Map<string, number>();
  #firstRowNames: readonly string[] = [];
  #rows: (string | undefined)[][] = [];
  #spill: { path: string; file: Deno.FsFile; pending: string } | undefined;

  constructor(
    private readonly settings: PrintSettings,
    private readonly out: Output,
    private readonly cancelled: () => boolean = () => false,
  ) {}

  columns(names: readonly string[]): void {
    this.#statementNames = names;
    this.#mapFresh = false;
  }

  row(texts: readonly (string | null)[]): void {
    const names = this.#statementNames;
    const nullvalue = this.settings.nullvalue;
    if (!this.#printed) {
      this.#printed = [...names];
      this.#firstRowNames = names;
    }
    if (!this.#mapFresh) {
      const last = new Map<string, number>();
      names.forEach((name, i) => last.set(name, i));
      this.#map = this.#printed.map((name) => last.get(name) ?? -1);
      this.#mapFresh = true;
    }
    for (let i = 0; i < names.length; i++) {
      const size = charCount(texts[i] ?? nullvalue);
      const current = this.#lengths.get(names[i]);
      if (current === undefined || size > current) this.#lengths.set(names[i], size);
    }
    const row: (string | undefined)[] = new Array(this.#map.length);
    for (let i = 0; i < this.#map.length; i++) {
      const j = this.#map[i];
      row[i] = j < 0 ? undefined : texts[j] ?? nullvalue;
    }
    if (this.#spill) {
      this.#spill.pending += JSON.stringify(row) + "\n";
      if (this.#spill.pending.length >= 1 << 20) this.#flushSpill();
    } else {
      this.#rows.push(row);
      if (this.#rows.length >= SPILL_ROWS) this.#startSpill();
    }
  }

  #startSpill(): void {
    const path = Deno.makeTempFileSync({ prefix: "osq-shell-" });
    const file = Deno.openSync(path, { read: true, write: true });
    this.#spill = { path, file, pending: "" };
    for (const row of this.#rows) this.#spill.pending += JSON.stringify(row) + "\n";
    this.#rows = [];
    this.#flushSpill();
  }

  #flushSpill(): void {
    const spill = this.#spill!;
    const bytes = encoder.encode(spill.pending);
    spill.pending = "";
    let offset = 0;
    while (offset < bytes.length) offset += spill.file.writeSync(bytes.subarray(offset));
  }

  finish(): void {
    try {
      if (this.#printed) this.#print(this.#printed);
    } finally {
      if (this.#spill) {
        this.#spill.file.close();
        Deno.removeSync(this.#spill.path);
        this.#spill = undefined;
      }
      this.#rows = [];
      this.#printed = undefined;
      this.#lengths.clear();
    }
  }

  #print(columns: string[]): void {
    const lengths = this.#lengths;
    // osquery's final pass: the first row's column names are minimum widths.
    for (const name of this.#firstRowNames) {
      const size = charCount(name);
      if (size > (lengths.get(name) ?? 0)) lengths.set(name, size);
    }
    const widths = columns.map((c) => lengths.get(c));
    const separator = "+" + columns.map((c, i) => "-".repeat((widths[i] ?? c.length) + 2) + "+").join("") + "\n";
    let header = "|";
    columns.forEach((c, i) => header += " " + c + " ".repeat(Math.max(0, (widths[i] ?? 0) - charCount(c))) + " |");
    this.out.write(separator + header + "\n" + separator);
    const nullvalue = this.settings.nullvalue;
    const nullPad = columns.map((c) => " ".repeat(Math.max(0, byteLength(c) - charCount(nullvalue)) + 1));
    const pads = widths.map((w) => " ".repeat((w ?? 0) + 1));
    const line = (row: (string | undefined)[]) => {
      let text = "";
      for (let i = 0; i < row.length; i++) {
        const value = row[i];
        if (value === undefined || widths[i] === undefined) text += "| " + nullvalue + nullPad[i];
        else text += "| " + value + pads[i].slice(charCount(value));
      }
      this.out.write(text + "|\n");
    };
    if (this.#spill) {
      this.#flushSpill();
      this.#spill.file.seekSync(0, Deno.SeekMode.Start);
      for (const text of readLines(this.#spill.file)) {
        if (this.cancelled()) break;
        line(JSON.parse(text));
      }
    } else {
      for (const row of this.#rows) line(row);
    }
    this.out.write(separator);
  }
}

/** Lines of a file read in 1 MiB chunks. */
function* readLines(file: Deno.FsFile): Generator<string> {
  const decoder = new TextDecoder();
  const buf = new Uint8Array(1 << 20);
  let rest = "";
  for (;;) {
    const n = file.readSync(buf);
    if (n === null || n === 0) break;
    const text = rest + decoder.decode(buf.subarray(0, n), { stream: true });
    const lines = text.split("\n");
    rest = lines.pop()!;
    yield* lines;
  }
  rest += decoder.decode();
  if (rest) yield rest;
}
