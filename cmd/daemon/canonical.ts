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

/**
 * True when `sql` must run on the daemon's main thread, where its state lives: it names one of
 * the engine's event tables (their events are buffered there) or the file carver (`carves`,
 * `carve()`: requests must reach the carver service).
 */
export function runsOnMainThread(engine: Engine, sql: string): boolean {
  if (/\bcarves\b|\bcarve\s*\(/i.test(sql)) return true;
  for (const m of sql.matchAll(/\b([A-Za-z_]\w*_events)\b/g)) {
    const t = engine.registry.table(m[1]);
    if (t && (t.event || t.attributes?.event_subscriber)) return true;
  }
  return false;
}
