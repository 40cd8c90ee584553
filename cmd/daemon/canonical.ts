/**
 * Runs SQL and returns its rows as canonical text (core/diff.ts): SQLite's storage class of
 * every value decides integer, double or text, as osquery's typed rows do.
 *
 * @module
 */
import type { Engine } from "../../core/engine.ts";
import { SQLITE, sqlite } from "../../core/sqlite/ffi.ts";
import { type Cell, rowEncoder } from "../../core/diff.ts";

const decoder = new TextDecoder();

/** Rows of the last statement with result columns, as canonical text, and their total size. */
export function runCanonical(engine: Engine, sql: string): { rows: string[]; size: number } {
  engine.resetCancel();
  const rows: string[] = [];
  let size = 0;
  for (const { statement } of engine.db.statements(sql)) {
    try {
      const names = statement.columnNames;
      const s = sqlite();
      const h = BigInt(statement.handle);
      const cells: Cell[] = new Array(names.length);
      const first = rows.length;
      const encode = rowEncoder(names);
      while (statement.step()) {
        for (let i = 0; i < names.length; i++) {
          const type = s.sqlite3_column_type(h, i);
          const v = statement.value(i);
          if (type === SQLITE.INTEGER) cells[i] = { int: v as number | bigint };
          else if (type === SQLITE.FLOAT) cells[i] = { real: v as number };
          else if (v === null) cells[i] = "";
          else if (v instanceof Uint8Array) cells[i] = decoder.decode(v);
          else cells[i] = String(v);
        }
        const row = encode(cells);
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
