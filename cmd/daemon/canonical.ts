/**
 * Runs SQL and returns its rows as canonical text (core/diff.ts): SQLite's storage class of
 * every value decides integer, double or text, as osquery's typed rows do.
 *
 * @module
 */
import type { Engine } from "../../core/engine.ts";
import { readText, SQLITE, sqlite } from "../../core/sqlite/ffi.ts";
import { doubleLiteral, literalRowEncoder, textLiteral } from "../../core/diff.ts";

const decoder = new TextDecoder();

/**
 * Text of column `i` of the current row: one read of the NUL-terminated copy SQLite keeps
 * when it is plain ASCII (its length then equals the byte count), else the counted bytes
 * decoded as UTF-8 (other characters, or a NUL inside).
 */
function columnText(h: bigint, i: number): string {
  const s = sqlite();
  const address = s.sqlite3_column_text(h, i);
  const bytes = s.sqlite3_column_bytes(h, i);
  if (bytes === 0) return "";
  const p = Deno.UnsafePointer.create(BigInt(address));
  if (p === null) return "";
  const text = Deno.UnsafePointerView.getCString(p);
  return text.length === bytes ? text : readText(address, bytes);
}

/** Rows of the last statement with result columns, as canonical text, and their total size. */
export function runCanonical(engine: Engine, sql: string): { rows: string[]; size: number } {
  engine.resetCancel();
  const rows: string[] = [];
  let size = 0;
  const s = sqlite();
  for (const { statement } of engine.db.statements(sql)) {
    try {
      const names = statement.columnNames;
      const h = BigInt(statement.handle);
      const literals: string[] = new Array(names.length);
      const first = rows.length;
      const encode = literalRowEncoder(names);
      while (statement.step()) {
        // Each value straight to its literal: SQLite's storage class decides integer, double
        // or text, as osquery's typed rows do.
        for (let i = 0; i < names.length; i++) {
          switch (s.sqlite3_column_type(h, i)) {
            case SQLITE.INTEGER:
              literals[i] = String(s.sqlite3_column_int64(h, i));
              break;
            case SQLITE.FLOAT:
              literals[i] = doubleLiteral(s.sqlite3_column_double(h, i));
              break;
            case SQLITE.TEXT:
              literals[i] = textLiteral(columnText(h, i));
              break;
            case SQLITE.BLOB: {
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
