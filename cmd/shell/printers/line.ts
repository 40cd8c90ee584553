/**
 * `.mode line`: one `name = value` line per column, as sqlite3's shell prints it.
 *
 * @module
 */
import type { Output } from "../output.ts";
import { type Cells, type Printer, type PrintSettings, SQL_TYPE } from "./types.ts";
import { byteLength } from "./text.ts";

const textEncoder = new TextEncoder();

/** line: `%*s = %s`, names right-aligned to max(5, longest name in bytes), blank line between rows */
export class LinePrinter implements Printer {
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
