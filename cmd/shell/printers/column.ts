/**
 * `.mode column`: fixed-width columns, as sqlite3's shell prints them.
 *
 * @module
 */
import type { Output } from "../output.ts";
import { type Cells, type Printer, type PrintSettings } from "./types.ts";
import { byteLength } from "./text.ts";

/** column: fixed widths (`.width`, else max(10, name, first value) in bytes), two spaces apart */
export class ColumnPrinter implements Printer {
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
