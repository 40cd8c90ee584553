/**
 * Runs SQL and returns its rows as canonical text (core/diff.ts): SQLite's storage class of
 * every value decides integer, double or text, as osquery's typed rows do.
 *
 * @module
 */
import type { Engine } from "../../core/engine.ts";
import { RowCells, StorageClass } from "../../core/sqlite/row_cells.ts";
import { doubleLiteral, literalRowEncoder, textLiteral } from "../../core/diff.ts";

const decoder = new TextDecoder();

/** Rows of the last statement with result columns, as canonical text, and their total size. */
export function runCanonical(engine: Engine, sql: string): { rows: string[]; size: number } {
  engine.resetCancel();
  const rows: string[] = [];
  let size = 0;
  const cells = new RowCells();
  for (const { statement } of engine.db.statements(sql)) {
    try {
      const names = statement.columnNames;
      const literals: string[] = new Array(names.length);
      const first = rows.length;
      const encode = literalRowEncoder(names);
      while (statement.step()) {
        // Each value straight to its literal: SQLite's storage class decides integer, double
        // or text, as osquery's typed rows do (the classes are read before any value converts).
        cells.loadTypes(statement, names.length);
        for (let i = 0; i < names.length; i++) {
          switch (cells.type(i)) {
            case StorageClass.INTEGER:
              literals[i] = cells.integerText(i);
              break;
            case StorageClass.FLOAT:
              literals[i] = doubleLiteral(cells.double(i));
              break;
            case StorageClass.TEXT:
              literals[i] = textLiteral(cells.columnText(i));
              break;
            case StorageClass.BLOB: {
              const v = statement.value(i);
              literals[i] = textLiteral(v instanceof Uint8Array ? decoder.decode(v) : String(v ?? ""));
              break;
            }
            default:
              literals[i] = '""';
          }
        }
        const row = encode(literals);
        size += row.length;
        rows.push(row);
      }
      // Only the last statement with result columns counts (as in osquery's SQL).
      if (names.length > 0) rows.splice(0, first);
    } finally {
      statement.finalize();
    }
  }
  return { rows, size };
}

/** SQL functions whose work happens on the daemon's main thread (`carve()` queues a carve there). */
const MAIN_THREAD_FUNCTIONS = new Set(["carve"]);

/**
 * True when `sql` must run on the daemon's main thread: a table it reads (through views too)
 * says so in its spec (`thread: "main"`), or it calls a function whose work happens there. The
 * engine finds the tables and functions by preparing the statements, not by reading the text.
 */
export function runsOnMainThread(engine: Engine, sql: string): boolean {
  const { tables, functions } = engine.references(sql);
  for (const name of tables) if (engine.registry.table(name)?.thread === "main") return true;
  for (const name of functions) if (MAIN_THREAD_FUNCTIONS.has(name)) return true;
  return false;
}
