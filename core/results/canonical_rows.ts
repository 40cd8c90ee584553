/**
 * Canonical rows: runs SQL and returns its rows as the canonical text the result pipeline diffs
 * and stores (core/results/diff.ts): SQLite's storage class of every value decides integer, double or
 * text, as osquery's typed rows do. Query threads and the daemon's own thread both use it.
 *
 * Where the caller takes rows in batches (a query thread's sorted buffers) and the native code
 * runs, rows are written in batches by machine code (core/sqlite/row_batch.ts): it steps the
 * statement and writes integers, text and NULL as the canonical text does, a few hundred calls
 * for a million rows; a row with a double, a blob or text that is not UTF-8 is read here, value
 * by value.
 *
 * Otherwise a query (one read-only statement) runs wrapped so that SQLite builds each row's text
 * itself ({@linkcode wrapForRowText}, with json_object): one value to read per row instead of a
 * type and a value per column. SQLite writes integers, NULL (as the wrapper passes it: "") and
 * text without control bytes exactly as the canonical text does. What it writes differently is
 * recognised in the row's text ({@linkcode plainRow}): a double (json_object writes `%!.15g`,
 * always with a `.`) and a control byte (`\u0001` or `\n`, where the canonical text has `\\x01`);
 * such a row is read value by value instead, from the query's own columns, which the wrapper
 * returns beside the text. A blob stops json_object altogether: the statement then runs again
 * unwrapped, from its first row.
 *
 * @module
 */
import type { Engine } from "../engine.ts";
import type { Database, Statement } from "../sqlite/database.ts";
import { BatchEnd, RowBatchReader, type RowTemplate } from "../sqlite/row_batch.ts";
import { RowCells, StorageClass } from "../sqlite/row_cells.ts";
import { doubleLiteral, literalRowEncoder, rowKeys, textLiteral } from "./diff.ts";

const decoder = new TextDecoder();

/** Where {@linkcode runCanonicalInto} puts rows. */
export interface RowSink {
  add(row: string): void;
  /**
   * Adds a row given as its UTF-8 bytes, only ever plain ASCII (a view that is reused after the
   * call); without it such rows come to {@linkcode RowSink.add} as text.
   */
  addBytes?(row: Uint8Array): void;
  /**
   * Adds `rows` plain rows at once: `bytes` holds them, each followed by "\n" (row k ends, after
   * its newline, at `ends[k]`), with their hashes (sorted_rows.ts's rowHash; views reused after the call).
   * With it, rows are read in batches by native code where it runs (core/sqlite/row_batch.ts).
   */
  addBatch?(bytes: Uint8Array, ends: Uint32Array, hashes: Uint32Array, rows: number): void;
  /** Drops the rows added so far (a later statement with result columns replaces them). */
  reset(): void;
}

/** Rows of the last statement with result columns, as canonical text, and their total size. */
export function runCanonical(
  engine: Engine,
  sql: string,
  options?: CanonicalOptions,
): { rows: string[]; size: number } {
  let rows: string[] = [];
  const size = runCanonicalInto(
    engine,
    sql,
    { add: (row) => void rows.push(row), reset: () => (rows = []) },
    options,
  );
  return { rows, size };
}

/** Options of {@linkcode runCanonicalInto}. */
export interface CanonicalOptions {
  /**
   * Let SQLite write each row's text (the default); false reads every value on its own, the
   * reference the row text is checked against.
   */
  rowText?: boolean;
  /**
   * Write rows in batches by native code where it runs and the sink takes batches (the default);
   * false reads them row by row (the fallback, which tests compare it with).
   */
  batches?: boolean;
}

/**
 * Runs `sql` into `sink`, row by row (so a caller that encodes rows as they come holds no array
 * of them); returns the size of the last statement's rows (osquery_schedule.output_size).
 */
export function runCanonicalInto(engine: Engine, sql: string, sink: RowSink, options?: CanonicalOptions): number {
  engine.resetCancel();
  let size = 0;
  const cells = new RowCells();
  for (const { statement } of engine.db.statements(sql)) {
    try {
      const names = statement.columnNames;
      if (names.length === 0) {
        while (statement.step()) { /* a statement without result columns: run for its effect */ }
        continue;
      }
      // Only the last statement with result columns counts (as in osquery's SQL).
      sink.reset();
      const reader = sink.addBatch && options?.batches !== false && options?.rowText !== false
        ? RowBatchReader.create(rowTemplate(names))
        : undefined;
      if (reader) {
        size = runBatches(engine.db, statement, names, cells, sink, reader);
        continue;
      }
      const wrapped = options?.rowText === false ? undefined : prepareWrapped(engine, statement, names);
      if (wrapped) {
        try {
          size = runWrapped(wrapped, names, cells, sink);
          continue;
        } catch (err) {
          if (!(err instanceof Error) || !BLOB_REFUSED.test(err.message)) throw err;
          sink.reset();
        } finally {
          wrapped.finalize();
        }
      }
      size = runValues(statement, names, 0, cells, sink);
    } finally {
      statement.finalize();
    }
  }
  return size;
}

/** json_object's refusal of a blob value. */
const BLOB_REFUSED = /JSON cannot hold BLOB values/;

/** Runs a statement of {@linkcode wrapForRowText}; returns the size of its rows. */
function runWrapped(wrapped: Statement, names: readonly string[], cells: RowCells, sink: RowSink): number {
  const one = wrappedRow(wrapped, names, cells, sink);
  let size = 0;
  while (wrapped.step()) size += one();
  return size;
}

/**
 * Runs `statement` with its rows written in batches by native code (core/sqlite/row_batch.ts):
 * rows of integers, text and NULL go to the sink a batch at a time; a row the batch does not
 * take (a double, a blob, text that is not UTF-8) is read here, value by value. Returns the size
 * of the rows.
 */
function runBatches(
  db: Database,
  statement: Statement,
  names: readonly string[],
  cells: RowCells,
  sink: RowSink,
  reader: RowBatchReader,
): number {
  const encode = literalRowEncoder(names);
  const literals: string[] = new Array(names.length);
  let size = 0;
  let onRow = statement.step();
  while (onRow) {
    const end = reader.read(statement);
    if (reader.rows > 0) {
      sink.addBatch!(reader.bytes, reader.ends, reader.hashes, reader.rows);
      size += reader.units;
    }
    if (end === BatchEnd.DONE) break;
    if (end === BatchEnd.ERROR) throw db.lastError(reader.rc);
    if (end === BatchEnd.OTHER) {
      readLiterals(statement, cells, 0, literals);
      const row = encode(literals);
      size += row.length;
      sink.add(row);
      onRow = statement.step();
    }
  }
  return size;
}

/** The native writer's template of a row of columns `names` (see diff.ts's rowKeys). */
function rowTemplate(names: readonly string[]): RowTemplate {
  const { order, keys } = rowKeys(names);
  return { columns: order, prefixes: keys };
}

/** Reads the current row of a wrapped statement into `sink`; returns its size. */
function wrappedRow(wrapped: Statement, names: readonly string[], cells: RowCells, sink: RowSink): () => number {
  const encode = literalRowEncoder(names);
  const literals: string[] = new Array(names.length);
  return () => {
    cells.load(wrapped, 1, false);
    const bytes = cells.bytes(0);
    const plain = bytes === null ? NOT_PLAIN : plainRow(bytes);
    if (plain === ASCII && sink.addBytes) {
      sink.addBytes(bytes!);
      return bytes!.length;
    }
    let row: string;
    if (plain === NOT_PLAIN) {
      readLiterals(wrapped, cells, 1, literals);
      row = encode(literals);
    } else {
      // Decoded as the value-by-value path decodes each value (invalid UTF-8 becomes U+FFFD).
      row = decoder.decode(bytes!);
    }
    sink.add(row);
    return row.length;
  };
}

/** Runs `statement` value by value (columns from `first` on); returns the size of its rows. */
function runValues(statement: Statement, names: readonly string[], first: number, cells: RowCells, sink: RowSink) {
  const encode = literalRowEncoder(names);
  const literals: string[] = new Array(names.length);
  let size = 0;
  while (statement.step()) {
    readLiterals(statement, cells, first, literals);
    const row = encode(literals);
    size += row.length;
    sink.add(row);
  }
  return size;
}

/**
 * Each value of the current row straight to its literal (columns from `first` on): SQLite's
 * storage class decides integer, double or text, as osquery's typed rows do (the classes are
 * read before any value converts).
 */
function readLiterals(statement: Statement, cells: RowCells, first: number, literals: string[]): void {
  const n = literals.length;
  cells.loadTypes(statement, first + n);
  for (let i = 0; i < n; i++) {
    const c = first + i;
    switch (cells.type(c)) {
      case StorageClass.INTEGER:
        literals[i] = cells.integerText(c);
        break;
      case StorageClass.FLOAT:
        literals[i] = doubleLiteral(cells.double(c));
        break;
      case StorageClass.TEXT:
        literals[i] = textLiteral(cells.columnText(c));
        break;
      case StorageClass.BLOB: {
        const v = statement.value(c);
        literals[i] = textLiteral(v instanceof Uint8Array ? decoder.decode(v) : String(v ?? ""));
        break;
      }
      default:
        literals[i] = '""';
    }
  }
}

const NOT_PLAIN = 0;
const ASCII = 1;
const UTF8 = 2;

/**
 * Whether json_object's text of a row is the canonical text: an object of string keys whose
 * values are strings or integers (`-`? digits), each backslash in a string starting `\"` or `\\`
 * (the only escapes both write alike). A double (it has a `.`), a control byte's escape, a nested
 * JSON value: NOT_PLAIN. Plain rows are ASCII or UTF8 (bytes of 0x80 and above in a string).
 */
export function plainRow(b: Uint8Array): number {
  const n = b.length;
  let wide = false;
  if (n < 2 || b[0] !== 123) return NOT_PLAIN;
  let i = 1;
  if (b[1] === 125) return n === 2 ? ASCII : NOT_PLAIN;
  for (;;) {
    // A key, then a value: a string or an integer.
    for (let part = 0; part < 2; part++) {
      if (b[i] === 34) {
        for (i++;; i++) {
          if (i >= n) return NOT_PLAIN;
          const c = b[i];
          if (c === 34) break;
          if (c === 92) {
            const next = b[i + 1];
            if (next !== 34 && next !== 92) return NOT_PLAIN;
            i++;
          } else if (c >= 0x80) wide = true;
        }
        i++;
      } else if (part === 1) {
        if (b[i] === 45) i++;
        const start = i;
        while (i < n && b[i] >= 48 && b[i] <= 57) i++;
        if (i === start) return NOT_PLAIN;
      } else return NOT_PLAIN;
      if (part === 0) {
        if (b[i] !== 58) return NOT_PLAIN;
        i++;
      }
    }
    if (b[i] === 44) {
      i++;
      continue;
    }
    if (b[i] === 125 && i === n - 1) return wide ? UTF8 : ASCII;
    return NOT_PLAIN;
  }
}

/**
 * SQL that returns, for each row of the statement `sql` (with `names.length` columns), the row
 * as json_object writes it (keys sorted, the first column of a name wins, as in
 * {@linkcode literalRowEncoder}; NULL as ""), followed by the statement's own columns.
 */
export function wrapForRowText(sql: string, names: readonly string[]): string {
  const seen = new Set<string>();
  const order = names.map((_, i) => i).filter((i) => !seen.has(names[i]) && seen.add(names[i]) !== undefined)
    .sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0));
  const columns = names.map((_, i) => `c${i}`);
  const pairs = order.map((i) => `${sqlString(names[i])}, ifnull(${columns[i]}, '')`);
  // The newlines keep a trailing line comment of the query from swallowing the bracket.
  const body = sql.trimEnd().replace(/;$/, "");
  return `WITH "osq rows"(${columns.join(", ")}) AS (\n${body}\n) SELECT json_object(${pairs.join(", ")}), ` +
    `${columns.join(", ")} FROM "osq rows"`;
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The statement wrapped by {@linkcode wrapForRowText}, or undefined when it cannot be (it writes,
 * or is not a query a CTE can hold: PRAGMA, EXPLAIN, ...); the caller then runs it as it is.
 */
function prepareWrapped(engine: Engine, statement: Statement, names: readonly string[]): Statement | undefined {
  if (!statement.readonly) return undefined;
  try {
    return engine.db.prepare(wrapForRowText(statement.sql, names));
  } catch {
    return undefined;
  }
}
