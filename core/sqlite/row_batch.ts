/**
 * Canonical rows in batches: many rows of a statement written as text into one buffer per call,
 * by machine code (core/sqlite/native/rows.c) that steps the statement and reads its values
 * itself; and the chunked diff's merge of stored rows with current ones ({@linkcode rowMerger}).
 *
 * Why: reading a row over FFI costs a call per type and per value, a step, and a string per row
 * (~1.3 s of a million-row scheduled query even when SQLite wrote each row's text with
 * json_object, which cost ~0.4 s more); here TypeScript is entered once per batch of up to
 * {@linkcode MAX_BATCH_ROWS} rows. The code writes the text core/results/diff.ts defines (keys in
 * the order and with the text a {@linkcode RowTemplate} gives; integers, strings with control
 * bytes as `\\xHH`, NULL as "") and hashes each row (FNV-1a, the order
 * core/results/sorted_rows.ts keeps rows in). A double, a blob or text that is not UTF-8 stops a
 * batch at its row, which the caller reads value by value before stepping on.
 *
 * The code exists for x86-64 and AArch64 Linux and is mapped as core/vtab/native_cursor.ts maps
 * the native cursor (an anonymous page made executable, SQLite's functions found with dlsym in the
 * libsqlite3 osq loaded). Where that is not possible, or `OSQ_NATIVE_ROWS=0` is set,
 * {@linkcode RowBatchReader.create} returns undefined and callers read row by row.
 *
 * @module
 */
import type { Statement } from "./database.ts";
import { mapWithSqliteApi } from "./native_code.ts";

/** How a {@linkcode RowBatchReader.read} ended. */
export const BatchEnd = {
  /** The batch is full; the statement is on a row not read yet (read again). */
  FULL: 0,
  /** The statement has no more rows. */
  DONE: 1,
  /** The statement is on a row the batch does not take (a double, a blob, not UTF-8, or too large). */
  OTHER: 2,
  /** A step failed: {@linkcode RowBatchReader.rc} is its result code. */
  ERROR: 3,
} as const;

/** Rows one batch holds at most. */
export const MAX_BATCH_ROWS = 16_384;
/** Bytes of rows one batch holds at most (a row larger than this is read row by row). */
const MAX_BATCH_BYTES = 1 << 20;
const FIRST_BATCH_ROWS = 256;
const FIRST_BATCH_BYTES = 1 << 14;
/** Bytes of rows.c's Batch header. */
const HEADER = 32;

const MACHINE:
  | { CODE: Uint8Array<ArrayBuffer>; ENTRY: { rows: number; merge: number; sort: number; apply: number } }
  | undefined = Deno.build.os !== "linux"
    ? undefined
    : Deno.build.arch === "x86_64"
    ? await import("./native/rows_x86_64.ts")
    : Deno.build.arch === "aarch64"
    ? await import("./native/rows_aarch64.ts")
    : undefined;

const DEFINITION = { parameters: ["usize", "usize", "buffer", "buffer"], result: "i32" } as const;
const SORT = { parameters: ["buffer", "i32", "buffer", "buffer", "buffer", "buffer"], result: "void" } as const;
const APPLY = {
  parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
  result: "void",
} as const;
const MERGE = {
  parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
  result: "void",
} as const;

interface Loaded {
  fn: Deno.UnsafeFnPointer<typeof DEFINITION>;
  merge: Deno.UnsafeFnPointer<typeof MERGE>;
  sort: Deno.UnsafeFnPointer<typeof SORT>;
  apply: Deno.UnsafeFnPointer<typeof APPLY>;
  api: bigint;
}

let loaded: Loaded | null | undefined;

/** The native code, mapped once per process; undefined where it cannot run (see the module doc). */
function load(): Loaded | undefined {
  if (loaded !== undefined) return loaded ?? undefined;
  loaded = null;
  if (!MACHINE || Deno.env.get("OSQ_NATIVE_ROWS") === "0") return undefined;
  const { CODE, ENTRY } = MACHINE;
  try {
    const mapped = mapWithSqliteApi(CODE, [
      "sqlite3_step",
      "sqlite3_column_text",
      "sqlite3_column_bytes",
      "sqlite3_column_type",
      "sqlite3_column_int64",
    ]);
    if (!mapped) return undefined;
    const base = mapped.base;
    const rows = Deno.UnsafePointer.create(base + BigInt(ENTRY.rows));
    const merge = Deno.UnsafePointer.create(base + BigInt(ENTRY.merge));
    const sort = Deno.UnsafePointer.create(base + BigInt(ENTRY.sort));
    const apply = Deno.UnsafePointer.create(base + BigInt(ENTRY.apply));
    if (rows === null || merge === null || sort === null || apply === null) return undefined;
    const code: Loaded = {
      fn: new Deno.UnsafeFnPointer(rows as Deno.PointerObject<typeof DEFINITION>, DEFINITION),
      merge: new Deno.UnsafeFnPointer(merge as Deno.PointerObject<typeof MERGE>, MERGE),
      sort: new Deno.UnsafeFnPointer(sort as Deno.PointerObject<typeof SORT>, SORT),
      apply: new Deno.UnsafeFnPointer(apply as Deno.PointerObject<typeof APPLY>, APPLY),
      api: mapped.api,
    };
    loaded = code;
    return code;
  } catch {
    return undefined;
  }
}

/**
 * How rows are written: for each key in order, the column whose value it takes and the text
 * before that value (`{"name":` for the first key, `,"name":` after); `}` ends a row.
 */
export interface RowTemplate {
  columns: readonly number[];
  prefixes: readonly string[];
}

/** rows.c's shape: int32 count, then per key the column and its text's bytes, then the texts. */
function shapeOf(template: RowTemplate): Uint8Array<ArrayBuffer> {
  const texts = template.prefixes.map((p) => new TextEncoder().encode(p));
  const count = texts.length;
  let size = 4 + 8 * count;
  for (const t of texts) size += t.length;
  const out = new Uint8Array(new ArrayBuffer(size));
  const words = new Int32Array(out.buffer, 0, 1 + 2 * count);
  words[0] = count;
  let o = 4 + 8 * count;
  texts.forEach((t, k) => {
    words[1 + 2 * k] = template.columns[k];
    words[2 + 2 * k] = t.length;
    out.set(t, o);
    o += t.length;
  });
  return out;
}

/**
 * Reads a statement's rows in batches of canonical text (see the module doc). Batches start
 * small and grow, so a query of a few rows allocates little.
 *
 * @example
 * ```ts ignore
 * const reader = RowBatchReader.create({ columns: [1, 0], prefixes: ['{"a":', ',"b":'] });
 * if (reader && statement.step()) {
 *   for (let end = reader.read(statement); ; end = reader.read(statement)) {
 *     use(reader.bytes, reader.ends, reader.hashes, reader.rows);
 *     if (end === BatchEnd.DONE) break;
 *     // OTHER: read the current row another way, then step; ERROR: throw
 *   }
 * }
 * ```
 */
export class RowBatchReader {
  readonly #code: Loaded;
  #memory = new Uint8Array(0);
  #header = new Int32Array(0);
  #maxRows = 0;
  #capacity = 0;
  #grow = false;
  /** Rows of the last batch: each row's end (after its newline) in {@linkcode RowBatchReader.bytes}. */
  ends: Uint32Array = new Uint32Array(0);
  /** FNV-1a hashes of the last batch's rows (without their newlines). */
  hashes: Uint32Array = new Uint32Array(0);
  /** The last batch's rows, each followed by a newline: a view reused by the next read. */
  bytes: Uint8Array = new Uint8Array(0);
  /** Rows in the last batch. */
  rows = 0;
  /** UTF-16 units of the last batch's rows (their length as JavaScript strings). */
  units = 0;
  /** The result code of the step that ended the last batch. */
  rc = 0;

  readonly #shape: Uint8Array<ArrayBuffer>;

  private constructor(code: Loaded, template: RowTemplate) {
    this.#code = code;
    this.#shape = shapeOf(template);
    this.#allocate(FIRST_BATCH_ROWS, FIRST_BATCH_BYTES);
  }

  /**
   * A reader writing rows as `template` says, or undefined where the native code cannot run
   * (callers then read row by row).
   */
  static create(template: RowTemplate): RowBatchReader | undefined {
    if (template.columns.length === 0 || template.columns.length !== template.prefixes.length) return undefined;
    const code = load();
    return code ? new RowBatchReader(code, template) : undefined;
  }

  #allocate(maxRows: number, capacity: number): void {
    this.#maxRows = maxRows;
    this.#capacity = capacity;
    this.#memory = new Uint8Array(HEADER + 8 * maxRows + capacity);
    this.#header = new Int32Array(this.#memory.buffer, 0, HEADER / 4);
    this.ends = new Uint32Array(this.#memory.buffer, HEADER, maxRows);
    this.hashes = new Uint32Array(this.#memory.buffer, HEADER + 4 * maxRows, maxRows);
  }

  /**
   * Writes the current row of `statement` (it must be on a row) and those after it, stepping,
   * into the batch; returns how it ended ({@linkcode BatchEnd}).
   */
  read(statement: Statement): number {
    if (this.#grow) {
      // The last batch filled up with small rows: take more at once (up to the limits). The
      // caller has used the last batch by now.
      this.#grow = false;
      this.#allocate(Math.min(MAX_BATCH_ROWS, this.#maxRows * 4), Math.min(MAX_BATCH_BYTES, this.#capacity * 4));
    }
    const header = this.#header;
    header[0] = this.#capacity;
    header[1] = this.#maxRows;
    const end = this.#code.fn.call(this.#code.api, statement.handle, this.#memory, this.#shape);
    this.rows = header[2];
    this.units = header[5];
    this.rc = header[4];
    const base = HEADER + 8 * this.#maxRows;
    this.bytes = this.#memory.subarray(base, base + header[3]);
    if (end === BatchEnd.FULL && (this.#maxRows < MAX_BATCH_ROWS || this.#capacity < MAX_BATCH_BYTES)) {
      this.#grow = true;
    }
    return end;
  }
}

/** Sorted rows as {@linkcode RowMerger} reads them (core/results/sorted_rows.ts's SortedRows). */
export interface MergeRows {
  bytes: Uint8Array;
  starts: Uint32Array;
  order: Uint32Array;
  hashes: Uint32Array;
}

/**
 * The state of a {@linkcode RowMerger}: `at` holds j (current place), n (current rows), r (stored
 * row), count (stored rows), s (byte of stored row r), the stored bytes, then the count of added
 * places written to `added` and its room (`added.length`), the count of removed rows written to
 * `removed` (byte start, end and hash each) and its room (`removed.length / 3`).
 */
export interface MergeState {
  at: Int32Array;
  added: Uint32Array;
  removed: Uint32Array;
}

/**
 * The chunked diff's merge of one stored bucket with the current rows, in native code (rows.c's
 * osq_merge): added current places and removed stored rows are written to the state's lists;
 * equal rows pass. It returns when the bucket's rows are done (r = count) or a list is full
 * (the caller takes the lists, resets their counts and calls again).
 */
export type RowMerger = (current: MergeRows, old: Uint8Array, oldHashes: Uint32Array, state: MergeState) => void;

/** The native {@linkcode RowMerger}, or undefined where the native code does not run. */
export function rowMerger(): RowMerger | undefined {
  const code = load();
  if (!code) return undefined;
  const merge = code.merge;
  return (current, old, oldHashes, { at, added, removed }) =>
    merge.call(current.bytes, current.starts, current.order, current.hashes, old, oldHashes, at, added, removed);
}

/**
 * Orders `n` rows by their hashes `keys` in native code (rows.c's osq_sort, a radix sort): the
 * indexes sorted by key (stable), and the keys in that order. Undefined where the native code
 * does not run (the caller sorts its own way).
 */
export function orderByHash(keys: Uint32Array, n: number): { order: Uint32Array; sorted: Uint32Array } | undefined {
  const code = load();
  if (!code) return undefined;
  const order = new Uint32Array(n);
  const sorted = new Uint32Array(n);
  code.sort.call(keys, n, order, sorted, new Uint32Array(n), new Uint32Array(65537));
  return { order, sorted };
}

/** A stored bucket's rows (each followed by a newline) and their hashes. */
export interface BucketRows {
  rows: Uint8Array;
  hashes: Uint32Array;
}

/**
 * A stored bucket with its delta applied, in native code (rows.c's osq_apply): the rows of `base`
 * without those of `removed`, merged with those of `added`, in the buckets' order (hash, then
 * bytes). The result is written to `scratch` (grown when too small; the result's views are valid
 * until the next call with it), so a walk over thousands of buckets does not allocate a new
 * buffer for each. Undefined where the native code does not run (the caller merges its own way).
 */
export function applyRowsDelta(
  base: BucketRows,
  added: BucketRows,
  removed: BucketRows,
  scratch: BucketRows = { rows: new Uint8Array(0), hashes: new Uint32Array(0) },
): BucketRows | undefined {
  const code = load();
  if (!code) return undefined;
  const bytes = base.rows.length + added.rows.length;
  const count = base.hashes.length + added.hashes.length;
  if (scratch.rows.length < bytes) scratch.rows = new Uint8Array(Math.max(bytes, scratch.rows.length * 2));
  if (scratch.hashes.length < count) scratch.hashes = new Uint32Array(Math.max(count, scratch.hashes.length * 2));
  const at = Int32Array.of(
    base.rows.length,
    base.hashes.length,
    added.rows.length,
    added.hashes.length,
    removed.rows.length,
    removed.hashes.length,
    0,
    0,
  );
  code.apply.call(
    base.rows,
    base.hashes,
    added.rows,
    added.hashes,
    removed.rows,
    removed.hashes,
    scratch.rows,
    scratch.hashes,
    at,
  );
  return { rows: scratch.rows.subarray(0, at[7]), hashes: scratch.hashes.subarray(0, at[6]) };
}
