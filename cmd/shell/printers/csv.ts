/**
 * `.mode csv`: RFC 4180 records (osq's choice over osqueryi's variant).
 *
 * @module
 */
import type { Output } from "../output.ts";
import { type Cells, LARGE, type Printer, type PrintSettings, SQL_TYPE } from "./types.ts";

const textEncoder = new TextEncoder();

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
