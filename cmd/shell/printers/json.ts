/**
 * --json: one compact object per row, keys in std::map order, as osqueryi prints it.
 *
 * @module
 */
import type { Output } from "../output.ts";
import { type Cells, LARGE, type Printer, type PrintSettings, SQL_TYPE } from "./types.ts";
import { jsonString, sortedKeys } from "./text.ts";

const textEncoder = new TextEncoder();

/** --json: `[\n  {...},\n  {...}\n]\n`, `[\n\n]\n` when empty */
export class JsonPrinter implements Printer {
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
