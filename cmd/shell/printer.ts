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
 * This module is the index: {@linkcode createPrinter} picks the mode's printer from `printers/`
 * (one module per output mode) and the shared types and text helpers are re-exported from here.
 *
 * @module
 */
import type { Output } from "./output.ts";
import type { Printer, PrintSettings } from "./printers/types.ts";
import { ColumnPrinter } from "./printers/column.ts";
import { CsvPrinter } from "./printers/csv.ts";
import { JsonPrinter } from "./printers/json.ts";
import { JsonPrettyPrinter } from "./printers/json_pretty.ts";
import { JsonTypedPrinter } from "./printers/json_typed.ts";
import { LinePrinter } from "./printers/line.ts";
import { ListPrinter } from "./printers/list.ts";
import { PrettyPrinter } from "./printers/pretty.ts";

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
export { CsvPrinter };

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
