/**
 * `.mode list`: values joined by the separator, as sqlite3's shell prints them.
 *
 * @module
 */
import type { Output } from "../output.ts";
import { type Cells, type Printer, type PrintSettings, SQL_TYPE } from "./types.ts";

const textEncoder = new TextEncoder();

/** list: values joined by the separator; header line before a statement's first row */
export class ListPrinter implements Printer {
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
