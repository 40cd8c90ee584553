/**
 * The pretty `+---+` table, osqueryi's default output, with bounded memory.
 *
 * @module
 */
import { Output, type SyncWriter } from "../output.ts";
import { type Cells, type Printer, type PrintSettings, SQL_TYPE } from "./types.ts";
import { byteLength, charCount } from "./text.ts";

const textEncoder = new TextEncoder();

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
export class PrettyPrinter implements Printer {
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
