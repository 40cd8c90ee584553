/**
 * --json_pretty: RapidJSON's PrettyWriter form of the rows, as osqueryi prints it.
 *
 * @module
 */
import type { Output } from "../output.ts";
import { type Cells, type Printer, type PrintSettings } from "./types.ts";
import { jsonString, sortedKeys } from "./text.ts";

/** --json_pretty: RapidJSON's PrettyWriter with a 2-space indent; `[]` when empty. */
export class JsonPrettyPrinter implements Printer {
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
