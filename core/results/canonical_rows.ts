/**
 * Canonical rows: runs SQL and returns its rows as the canonical text the result pipeline diffs
 * and stores (core/results/diff.ts): SQLite's storage class of every value decides integer, double or
 * text, as osquery's typed rows do. Query threads and the daemon's own thread both use it.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import { RowCells, StorageClass } from "../sqlite/row_cells.ts";
import { doubleLiteral, literalRowEncoder, textLiteral } from "./diff.ts";

const decoder = new TextDecoder();

/** Where {@linkcode runCanonicalInto} puts rows. */
export interface RowSink {
  add(row: string): void;
  /** Drops the rows added so far (a later statement with result columns replaces them). */
  reset(): void;
}

/** Rows of the last statement with result columns, as canonical text, and their total size. */
export function runCanonical(engine: Engine, sql: string): { rows: string[]; size: number } {
  let rows: string[] = [];
  const size = runCanonicalInto(engine, sql, { add: (row) => void rows.push(row), reset: () => (rows = []) });
  return { rows, size };
}

/**
 * Runs `sql` into `sink`, row by row (so a caller that encodes rows as they come holds no array
 * of them); returns the size of the last statement's rows (osquery_schedule.output_size).
 */
export function runCanonicalInto(engine: Engine, sql: string, sink: RowSink): number {
  engine.resetCancel();
  let size = 0;
  let added = false;
  const cells = new RowCells();
  for (const { statement } of engine.db.statements(sql)) {
    try {
      const names = statement.columnNames;
      const literals: string[] = new Array(names.length);
      // Only the last statement with result columns counts (as in osquery's SQL).
      if (names.length > 0) {
        if (added) sink.reset();
        added = false;
        size = 0;
      }
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
        sink.add(row);
        added = true;
      }
    } finally {
      statement.finalize();
    }
  }
  return size;
}
