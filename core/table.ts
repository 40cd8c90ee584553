/**
 * What a table is: its spec (schema, options, attributes) and its generator, plus the typed
 * query context a generator receives. Tables are declared with {@linkcode defineTable}.
 *
 * @module
 */
import type { SqlValue } from "./sqlite/values.ts";
import { type Host, liveHost } from "./host/host.ts";

/** Column types, as osquery names them (DATETIME is declared in specs and stored as TEXT). */
export type ColumnType = "TEXT" | "INTEGER" | "BIGINT" | "UNSIGNED_BIGINT" | "DOUBLE" | "BLOB" | "DATETIME";

/** Collations osquery columns may declare. */
export type Collation = "binary" | "nocase" | "rtrim" | "version" | "version_arch" | "version_dpkg" | "version_rhel";

/** One column of a table. */
export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** The query must constrain this column (with =, IN or LIKE). */
  required?: boolean;
  /** Constraints on this column are pushed down to the generator. */
  index?: boolean;
  /** Constraints on this column are pushed down and may widen the result. */
  additional?: boolean;
  /** `IN (...)` is handled all at once by the generator. */
  optimized?: boolean;
  /** Not returned by `SELECT *`. */
  hidden?: boolean;
  /** Exists for other platforms; registered hidden on Linux. */
  linuxHidden?: boolean;
  collate?: Collation;
  /** Alternative names (hidden alias columns). */
  aliases?: string[];
  /** Our own words on what the column holds. */
  description?: string;
}

/** Which daemon thread may run a table's scans (see {@linkcode TableSpec.thread}). */
export type TableThread = "main" | "any";

/** Table attributes, as osquery names them. */
export interface TableAttributes {
  cacheable?: boolean;
  utility?: boolean;
  user_data?: boolean;
  no_pkey?: boolean;
  strongly_typed_rows?: boolean;
  event_subscriber?: boolean;
}

/** A row a generator yields: values keyed by column name; missing columns are NULL. */
export type Row = Record<string, SqlValue | boolean | undefined>;

/** Constraint operators, with osquery's (= SQLite's) numeric codes. */
export const OP = {
  EQUALS: 2,
  GREATER_THAN: 4,
  LESS_THAN_OR_EQUALS: 8,
  LESS_THAN: 16,
  GREATER_THAN_OR_EQUALS: 32,
  MATCH: 64,
  LIKE: 65,
  GLOB: 66,
  REGEXP: 67,
} as const;

/** One pushed-down constraint. */
export interface Constraint {
  op: number;
  value: SqlValue;
}

/**
 * What a generator knows about the query: constraints on its pushed-down columns and the columns
 * the query uses. Built by the engine for each scan; tests build one to call a generator directly.
 *
 * @example What `WHERE path IN ('/etc', '/tmp')` hands a generator
 * ```ts
 * import { OP, QueryContext } from "./table.ts";
 *
 * const ctx = new QueryContext(
 *   "file",
 *   new Map([["path", [{ op: OP.EQUALS, value: "/etc" }, { op: OP.EQUALS, value: "/tmp" }]]]),
 *   new Set(["path", "size"]),
 * );
 * if (ctx.equals("path").join() !== "/etc,/tmp") throw new Error("unexpected constraints");
 * if (ctx.isUsed("mode") || !ctx.isAnyUsed("mode", "size")) throw new Error("unexpected used columns");
 * ```
 */
export class QueryContext {
  /** The table being scanned. */
  readonly table: string;
  /** Constraints per column name. */
  readonly constraints: ReadonlyMap<string, readonly Constraint[]>;
  readonly #used: ReadonlySet<string> | undefined;
  #cancel: Int32Array | undefined;
  /**
   * Where the table reads its data (files under a root, the uid osq runs as, the name service):
   * this machine unless the engine was built with another host (a fixture tree in tests).
   */
  host: Host = liveHost;

  constructor(
    table: string,
    constraints: ReadonlyMap<string, readonly Constraint[]> = new Map(),
    used?: ReadonlySet<string>,
    cancel?: Int32Array,
  ) {
    this.table = table;
    this.constraints = constraints;
    this.#used = used;
    this.#cancel = cancel;
  }

  /**
   * True once the query was interrupted (Ctrl-C, a time limit). The engine checks it between
   * rows; a generator checks it inside loops that run long before yielding a row (directory
   * walks, hashing) and returns early.
   */
  get cancelled(): boolean {
    return this.#cancel !== undefined && Atomics.load(this.#cancel, 0) !== 0;
  }

  /** Binds the scan to its engine's shared cancellation flag (element 0 non-zero = cancel). */
  bindCancel(flag: Int32Array): void {
    this.#cancel = flag;
  }

  /** The set of used columns, or undefined when every column may be used. */
  get usedColumns(): ReadonlySet<string> | undefined {
    return this.#used;
  }

  /** True when the query reads `column` (always true when unknown). */
  isUsed(column: string): boolean {
    return this.#used === undefined || this.#used.has(column);
  }

  /** True when any of `columns` is used. */
  isAnyUsed(...columns: string[]): boolean {
    return columns.some((c) => this.isUsed(c));
  }

  /** True when `column` has a constraint (of `op`, if given). */
  hasConstraint(column: string, op?: number): boolean {
    const list = this.constraints.get(column);
    if (!list || list.length === 0) return false;
    return op === undefined || list.some((c) => c.op === op);
  }

  /** Constraint values on `column` with operator `op`. */
  valuesOf(column: string, op: number): SqlValue[] {
    return (this.constraints.get(column) ?? []).filter((c) => c.op === op).map((c) => c.value);
  }

  /** The distinct values `column` must equal (from `=` and `IN`), as text; empty when unconstrained. */
  equals(column: string): string[] {
    const out = new Set<string>();
    for (const c of this.constraints.get(column) ?? []) {
      if (c.op === OP.EQUALS && c.value !== null) out.add(valueToText(c.value));
    }
    return [...out];
  }

  /** The distinct integer values `column` must equal; non-integers are dropped. */
  integerEquals(column: string): number[] {
    const out = new Set<number>();
    for (const c of this.constraints.get(column) ?? []) {
      if (c.op !== OP.EQUALS || c.value === null) continue;
      const n = typeof c.value === "number" ? c.value : Number(valueToText(c.value));
      if (Number.isInteger(n)) out.add(n);
    }
    return [...out];
  }

  /** Values of `LIKE` constraints on `column`. */
  likes(column: string): string[] {
    return this.valuesOf(column, OP.LIKE).filter((v) => v !== null).map(valueToText);
  }
}

/** Renders a constraint value as text, as osquery's `expr` strings are. */
export function valueToText(value: SqlValue): string {
  if (value === null) return "";
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return String(value);
}

/** The result of a generator: any iterable of rows (arrays are fastest). */
export type Rows = Iterable<Row>;

/** A table: spec and generator. */
export interface TableSpec {
  name: string;
  /** Our own one-line description of the table. */
  description: string;
  columns: ColumnSpec[];
  /** Other names the table answers to. */
  aliases?: string[];
  attributes?: TableAttributes;
  /** An event table (`*_events`): rows come from the event store. */
  event?: boolean;
  /**
   * Which daemon thread may run a scan of this table: "any" (default) lets a query thread run
   * it; "main" keeps queries reading it on the daemon's main thread, where the state the
   * generator reads lives (the carver's requests, event buffers not yet in the store).
   */
  thread?: TableThread;
  /** Platforms this table is built for; default all. */
  platforms?: ("linux" | "darwin")[];
  /** Push constraints on every column, not only index/required/additional ones (extension tables). */
  pushAllColumns?: boolean;
  /** Produces the rows for one scan. */
  generate(ctx: QueryContext): Rows;
}

/**
 * An error a table raises for the query to report (the message reaches the user as is).
 *
 * @example A generator that refuses a query it cannot answer
 * ```ts
 * import { defineTable, TableError } from "./table.ts";
 *
 * const table = defineTable({
 *   name: "needs_path",
 *   description: "Rows only for the paths the query names.",
 *   columns: [{ name: "path", type: "TEXT", required: true }],
 *   generate(ctx) {
 *     const paths = ctx.equals("path");
 *     if (paths.length > 100) throw new TableError("needs_path: name at most 100 paths.");
 *     return paths.map((path) => ({ path }));
 *   },
 * });
 * if (table.columns[0].required !== true) throw new Error("unexpected spec");
 * ```
 */
export class TableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TableError";
  }
}

/**
 * Identity helper that types a table declaration: the spec (name, description, columns) first,
 * then its generator. Register it with `registerTable` (core/registry.ts) to serve it.
 *
 * @example A table with a pushed-down column
 * ```ts
 * import { defineTable, QueryContext } from "./table.ts";
 *
 * const squares = defineTable({
 *   name: "squares",
 *   description: "n and n squared, for the n the query asks for (default 1 to 3).",
 *   columns: [
 *     { name: "n", type: "INTEGER", index: true, description: "The number." },
 *     { name: "square", type: "BIGINT", description: "n times n." },
 *   ],
 *   generate(ctx) {
 *     const asked = ctx.integerEquals("n");
 *     return (asked.length > 0 ? asked : [1, 2, 3]).map((n) => ({ n, square: n * n }));
 *   },
 * });
 * const rows = [...squares.generate(new QueryContext("squares"))];
 * if (rows.length !== 3 || rows[2].square !== 9) throw new Error("unexpected rows");
 * ```
 */
export function defineTable(spec: TableSpec): TableSpec {
  return spec;
}
