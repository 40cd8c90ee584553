/**
 * Output modes, as osqueryi prints them (osquery/devtools/printer.cpp and shell_callback):
 *
 * - `pretty` (default): the `+---+` table; widths are the longest value or name in characters;
 *   nothing at all for an empty result. Within pretty mode `--json`, `--json_pretty` and
 *   osq's `--json_typed` replace the table.
 * - `line`, `list`, `column`: as sqlite3's shell, headers per statement.
 * - `csv`: RFC 4180 (osq's choice; see `CsvPrinter` in printers/csv.ts).
 *
 * A printer lives for one execution of SQL text (one or more statements): like osqueryi, the
 * pretty and JSON forms gather the rows of every statement of that text into one result.
 * Rows stream: JSON, list, line, column and CSV write each row as it comes; the pretty table
 * must know every width first, so it keeps rows in memory up to a bound and spills the rest to
 * a temporary file, then prints.
 *
 * This module is the index: {@linkcode createPrinter} loads the mode's printer from `printers/`
 * (one module per output mode) and the shared types and text helpers are re-exported from here.
 *
 * @module
 */
import type { Output } from "./output.ts";
import type { Printer, PrintSettings } from "./printers/types.ts";

export {
  type Cells,
  type JsonForm,
  type Mode,
  type Printer,
  type PrintSettings,
  SQL_TYPE,
  TextCells,
} from "./printers/types.ts";
export { byteLength, charCount, compareCodePoints, jsonString, sortedKeys } from "./printers/text.ts";

/**
 * Builds the printer for the current settings. Only the mode's own module loads (an `import()`
 * per mode, each a literal specifier so `deno compile` and the bundler still see every printer):
 * a one-shot query reads one printer, not all eight.
 */
export async function createPrinter(
  settings: PrintSettings,
  out: Output,
  cancelled?: () => boolean,
): Promise<Printer> {
  switch (settings.mode) {
    case "line":
      return new (await import("./printers/line.ts")).LinePrinter(settings, out);
    case "column":
      return new (await import("./printers/column.ts")).ColumnPrinter(settings, out);
    case "list":
      return new (await import("./printers/list.ts")).ListPrinter(settings, out);
    case "csv":
      return new (await import("./printers/csv.ts")).CsvPrinter(settings, out);
    default:
      switch (settings.json) {
        case "json":
          return new (await import("./printers/json.ts")).JsonPrinter(settings, out);
        case "json_pretty":
          return new (await import("./printers/json_pretty.ts")).JsonPrettyPrinter(settings, out);
        case "json_typed":
          return new (await import("./printers/json_typed.ts")).JsonTypedPrinter(settings, out);
        default:
          return new (await import("./printers/pretty.ts")).PrettyPrinter(settings, out, cancelled);
      }
  }
}
