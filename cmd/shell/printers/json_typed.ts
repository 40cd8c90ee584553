/**
 * --json_typed (osq): JSON whose values keep their SQL type, keys in the query's column order.
 *
 * @module
 */
import type { Output } from "../output.ts";
import { type Cells, type Printer, type PrintSettings, SQL_TYPE } from "./types.ts";
import { jsonString } from "./text.ts";

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/**
 * --json_typed (osq): like --json, but values keep their SQL type (integers and reals as JSON
 * numbers, NULL as null, text and blobs as strings) and keys follow the query's column order.
 */
export class JsonTypedPrinter implements Printer {
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
