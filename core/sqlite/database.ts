/**
 * A SQLite connection over FFI: prepared statements, typed rows, user functions, collations
 * and an authorizer. Knows nothing of osq's tables.
 *
 * @module
 */
import {
  addressOf,
  cstr,
  readCString,
  readSqliteText,
  readText,
  SQLITE,
  sqlite,
  sqliteLibraryPath,
  TRANSIENT,
} from "./ffi.ts";
import type { InterruptTarget } from "./remote_interrupt.ts";
import { narrow, readArgs, resultError, resultValue, type SqlValue } from "./values.ts";
import { beginStatement } from "./statement_scope.ts";

/** An error SQLite reported, with its result code and SQLite's own message. */
export class SqliteError extends Error {
  /** The SQLite result code (1 = SQLITE_ERROR, 19 = SQLITE_CONSTRAINT, ...). */
  readonly code: number;
  constructor(message: string, code = 1) {
    super(message);
    this.name = "SqliteError";
    this.code = code;
  }
}

/** Options of a scalar SQL function. */
export interface FunctionOptions {
  /** Number of arguments, or -1 for any (the default). */
  nArgs?: number;
  /** Same output for the same input (lets SQLite factor calls). */
  deterministic?: boolean;
}

/** A scalar function: receives decoded arguments, returns the result or throws an error. */
export type ScalarFunction = (...args: SqlValue[]) => SqlValue | boolean | undefined;

/** An aggregate function: a state per group, fed each row's arguments, then finished into the result. */
export interface AggregateFunction<S> {
  /** A fresh state for a group. */
  init(): S;
  /** Adds one row's arguments to the state. */
  step(state: S, ...args: SqlValue[]): void;
  /** The group's result; `state` is undefined when the group had no rows. */
  final(state: S | undefined): SqlValue | boolean | undefined;
}

/** An authorizer: return a message to refuse an action, or undefined to allow it. */
export type Authorizer = (
  action: number,
  arg1: string,
  arg2: string,
  database: string,
  trigger: string,
) => string | undefined;

const decoder = new TextDecoder();
const BIG_SQL_CHUNK = 1 << 16;

/** A registered scalar function or aggregate, as the shared callbacks call it. */
interface FunctionEntry {
  /** xFunc (scalar) or xStep (aggregate). */
  call(ctx: bigint, argc: number, argv: bigint): void;
  /** xFinal, for an aggregate. */
  final?(ctx: bigint): void;
}

/**
 * Every function, aggregate and collation of every connection in this thread goes through one
 * shared callback of each kind: SQLite hands back the entry's id (sqlite3_create_function_v2's
 * pApp, read with sqlite3_user_data; a collation's pArg comes as its first argument). One callback
 * per function cost each engine ~35 UnsafeCallbacks before its first statement; these are made on
 * the first registration and live as long as the thread.
 */
const functionEntries = new Map<number, FunctionEntry>();
const collationEntries = new Map<number, (a: string, b: string) => number>();
let nextEntryId = 1;
let shared:
  | {
    scalar: Deno.UnsafeCallback<{ readonly parameters: readonly ["usize", "i32", "usize"]; readonly result: "void" }>;
    step: Deno.UnsafeCallback<{ readonly parameters: readonly ["usize", "i32", "usize"]; readonly result: "void" }>;
    final: Deno.UnsafeCallback<{ readonly parameters: readonly ["usize"]; readonly result: "void" }>;
  }
  | undefined;
let sharedCollation:
  | Deno.UnsafeCallback<
    { readonly parameters: readonly ["usize", "i32", "usize", "i32", "usize"]; readonly result: "i32" }
  >
  | undefined;

function entryOf(ctx: bigint): FunctionEntry | undefined {
  return functionEntries.get(Number(sqlite().sqlite3_user_data(ctx)));
}

function sharedFunctionCallbacks(): NonNullable<typeof shared> {
  if (shared) return shared;
  const dispatch = (ctx: bigint, argc: number, argv: bigint) => {
    const entry = entryOf(ctx);
    if (entry) entry.call(ctx, argc, argv);
    else resultError(ctx, "The SQL function was removed with its connection.");
  };
  const parameters = { parameters: ["usize", "i32", "usize"], result: "void" } as const;
  shared = {
    scalar: new Deno.UnsafeCallback(parameters, dispatch),
    step: new Deno.UnsafeCallback(parameters, dispatch),
    final: new Deno.UnsafeCallback({ parameters: ["usize"], result: "void" } as const, (ctx) => {
      const entry = entryOf(ctx);
      if (entry?.final) entry.final(ctx);
      else resultError(ctx, "The SQL function was removed with its connection.");
    }),
  };
  return shared;
}

function sharedCollationCallback(): NonNullable<typeof sharedCollation> {
  sharedCollation ??= new Deno.UnsafeCallback(
    { parameters: ["usize", "i32", "usize", "i32", "usize"], result: "i32" } as const,
    (id, n1, p1, n2, p2) => {
      try {
        const compare = collationEntries.get(Number(id));
        if (!compare) return 0;
        const c = compare(readText(p1, n1), readText(p2, n2));
        return c < 0 ? -1 : c > 0 ? 1 : 0;
      } catch {
        return 0;
      }
    },
  );
  return sharedCollation;
}

/** A prepared statement; iterate it with {@linkcode Statement.step}. */
export class Statement {
  readonly #db: Database;
  readonly #handle: bigint;
  #names?: string[];
  #finalized = false;
  /** Between the first step and the end (or a reset): the statement is running. */
  #running = false;
  /** The SQL text of this statement. */
  readonly sql: string;

  constructor(db: Database, handle: bigint, sql: string) {
    this.#db = db;
    this.#handle = handle;
    this.sql = sql;
  }

  /** The statement handle address. */
  get handle(): bigint {
    return this.#handle;
  }

  /** Column names of the result, in order. */
  get columnNames(): string[] {
    if (!this.#names) {
      const s = sqlite();
      const n = s.sqlite3_column_count(this.#handle);
      this.#names = [];
      for (let i = 0; i < n; i++) this.#names.push(readCString(s.sqlite3_column_name(this.#handle, i)));
    }
    return this.#names;
  }

  /** Declared types of the result columns ("" for expressions). */
  get columnDeclTypes(): string[] {
    const s = sqlite();
    const n = s.sqlite3_column_count(this.#handle);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(readCString(s.sqlite3_column_decltype(this.#handle, i)));
    return out;
  }

  /** True when the statement does not write the database. */
  get readonly(): boolean {
    return sqlite().sqlite3_stmt_readonly(this.#handle) !== 0;
  }

  /** Binds positional parameters (1-based in SQL, 0-based here). */
  bind(params: readonly SqlValue[]): void {
    const s = sqlite();
    params.forEach((value, i) => {
      const index = i + 1;
      let rc: number;
      if (value === null) rc = s.sqlite3_bind_null(this.#handle, index);
      else if (typeof value === "number") {
        rc = Number.isInteger(value)
          ? s.sqlite3_bind_int64(this.#handle, index, BigInt(value))
          : s.sqlite3_bind_double(this.#handle, index, value);
      } else if (typeof value === "bigint") rc = s.sqlite3_bind_int64(this.#handle, index, value);
      else if (typeof value === "string") {
        const bytes = cstr(value);
        rc = s.sqlite3_bind_text(this.#handle, index, bytes, bytes.length - 1, TRANSIENT);
      } else {
        const copy = new Uint8Array(new ArrayBuffer(value.length));
        copy.set(value);
        rc = s.sqlite3_bind_blob(this.#handle, index, copy, copy.length, TRANSIENT);
      }
      if (rc !== SQLITE.OK) throw this.#db.lastError(rc);
    });
  }

  /** Advances to the next row; true when a row is available, false when done. Throws on error. */
  step(): boolean {
    if (!this.#running) {
      this.#running = true;
      beginStatement();
    }
    const rc = sqlite().sqlite3_step(this.#handle);
    if (rc === SQLITE.ROW) return true;
    this.#running = false;
    if (rc === SQLITE.DONE) return false;
    throw this.#db.lastError(rc);
  }

  /** Number of result columns. */
  get columnCount(): number {
    return sqlite().sqlite3_column_count(this.#handle);
  }

  /** Reads column `i` of the current row. */
  value(i: number): SqlValue {
    const s = sqlite();
    const h = this.#handle;
    switch (s.sqlite3_column_type(h, i)) {
      case SQLITE.INTEGER:
        return narrow(s.sqlite3_column_int64(h, i));
      case SQLITE.FLOAT:
        return s.sqlite3_column_double(h, i);
      case SQLITE.TEXT: {
        const address = s.sqlite3_column_text(h, i);
        return readSqliteText(address, s.sqlite3_column_bytes(h, i));
      }
      case SQLITE.BLOB: {
        const n = s.sqlite3_column_bytes(h, i);
        if (n === 0) return new Uint8Array(0);
        const p = Deno.UnsafePointer.create(BigInt(s.sqlite3_column_blob(h, i)));
        return p === null ? new Uint8Array(0) : new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, n)).slice();
      }
      default:
        return null;
    }
  }

  /** The current row as an array. */
  row(): SqlValue[] {
    const n = this.columnCount;
    const out: SqlValue[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.value(i);
    return out;
  }

  /** Runs to completion and returns every row as an object keyed by column name. */
  all(): Record<string, SqlValue>[] {
    const names = this.columnNames;
    const rows: Record<string, SqlValue>[] = [];
    while (this.step()) {
      const row: Record<string, SqlValue> = {};
      for (let i = 0; i < names.length; i++) row[names[i]] = this.value(i);
      rows.push(row);
    }
    return rows;
  }

  /** Resets the statement so it can run again. */
  reset(): void {
    this.#running = false;
    sqlite().sqlite3_reset(this.#handle);
  }

  /** Releases the statement; safe to call twice. */
  finalize(): void {
    if (this.#finalized) return;
    this.#finalized = true;
    sqlite().sqlite3_finalize(this.#handle);
  }

  [Symbol.dispose](): void {
    this.finalize();
  }
}

/** One statement of a multi-statement script, with the 1-based line it starts on. */
export interface ScriptStatement {
  statement: Statement;
  line: number;
}

/** A SQLite connection. */
export class Database {
  readonly #handle: bigint;
  #closed = false;
  readonly #callbacks: { close(): void }[] = [];
  #authorizerMessage: string | undefined;
  readonly #functionNames = new Set<string>();
  /** Ids of this connection's entries in functionEntries / collationEntries, dropped at close. */
  readonly #functionIds: number[] = [];
  readonly #collationIds: number[] = [];
  /** Hook that may rewrite an error message before it is thrown (used for osquery's table errors). */
  errorRewriter: ((message: string, code: number) => string) | undefined;
  /**
   * Called with the message of a statement that failed to prepare (the authorizer's refusal, or
   * SQLite's message such as "no such table: main.x"); returning true (it made what was missing
   * available, e.g. attached a virtual table module) prepares the statement again. Lets a
   * connection attach tables and register functions on demand. It must return true only when it
   * changed something, or a statement would be prepared forever.
   */
  onPrepareError: ((message: string) => boolean) | undefined;

  /**
   * Opens `path` (default: a private in-memory database). `readOnly` opens an existing file
   * read-only with a private cache (a `file:` URI may add `immutable=1`); `vfs` picks a SQLite VFS
   * such as "unix-none" (no file locking).
   */
  constructor(path = ":memory:", options: { readOnly?: boolean; vfs?: string } = {}) {
    const s = sqlite();
    const out = new BigUint64Array(1);
    const flags = options.readOnly
      ? SQLITE.OPEN_READONLY | SQLITE.OPEN_URI | SQLITE.OPEN_NOMUTEX | SQLITE.OPEN_PRIVATECACHE
      : SQLITE.OPEN_READWRITE | SQLITE.OPEN_CREATE | SQLITE.OPEN_URI | SQLITE.OPEN_NOMUTEX |
        (path === ":memory:" ? SQLITE.OPEN_MEMORY : 0);
    const vfs = options.vfs ? cstr(options.vfs) : undefined;
    const rc = s.sqlite3_open_v2(
      cstr(path),
      new Uint8Array(out.buffer),
      flags,
      vfs ? Deno.UnsafePointer.of(vfs) : null,
    );
    this.#handle = out[0];
    if (rc !== SQLITE.OK) {
      const message = this.#handle !== 0n
        ? readCString(s.sqlite3_errmsg(this.#handle))
        : readCString(s.sqlite3_errstr(rc));
      if (this.#handle !== 0n) s.sqlite3_close_v2(this.#handle);
      throw new SqliteError(`Cannot open database ${path}: ${message}`, rc);
    }
  }

  /** The connection handle address. */
  get handle(): bigint {
    return this.#handle;
  }

  /** SQLite's version string, e.g. "3.40.1". */
  static get version(): string {
    return readCString(sqlite().sqlite3_libversion());
  }

  /** Builds the error for a failed call from SQLite's current message. */
  lastError(rc: number): SqliteError {
    const s = sqlite();
    let message = this.#authorizerMessage ?? readCString(s.sqlite3_errmsg(this.#handle));
    this.#authorizerMessage = undefined;
    if (this.errorRewriter) message = this.errorRewriter(message, rc & 0xff);
    return new SqliteError(message, rc & 0xff);
  }

  /** Prepares a single statement (the first of `sql`). */
  prepare(sql: string): Statement {
    const [first] = this.#prepareFrom(new TextEncoder().encode(sql), 0);
    if (!first) throw new SqliteError("The query is empty: nothing to run.", 1);
    return first.statement;
  }

  /**
   * Prepares the statements of a script one at a time, yielding each with its starting line.
   * A statement is prepared only when the previous one has been consumed, so DDL earlier in the
   * script is visible to later statements.
   */
  *statements(sql: string): Generator<ScriptStatement> {
    const bytes = new TextEncoder().encode(sql);
    let offset = 0;
    while (offset < bytes.length) {
      const [item, next] = this.#prepareFrom(bytes, offset);
      if (!item) break;
      offset = next;
      yield item;
    }
  }

  #prepareFrom(bytes: Uint8Array, offset: number): [ScriptStatement | undefined, number] {
    const s = sqlite();
    // A private, NUL-terminated copy so the tail pointer arithmetic is stable.
    const length = bytes.length - offset;
    const buf = new Uint8Array(new ArrayBuffer(length + 1));
    buf.set(bytes.subarray(offset));
    const base = addressOf(Deno.UnsafePointer.of(buf));
    const out = new BigUint64Array(2);
    const outBytes = new Uint8Array(out.buffer);
    let pos = 0;
    while (pos < length) {
      const rc = s.sqlite3_prepare_v2(
        this.#handle,
        buf.subarray(pos),
        length - pos,
        outBytes.subarray(0, 8),
        outBytes.subarray(8, 16),
      );
      const tail = Number(out[1] - base);
      const stmt = out[0];
      if (rc !== SQLITE.OK) {
        if (this.onPrepareError?.(this.#authorizerMessage ?? readCString(s.sqlite3_errmsg(this.#handle)))) {
          this.#authorizerMessage = undefined;
          continue;
        }
        const err = this.lastError(rc);
        (err as SqliteError & { line?: number }).line = lineAt(bytes, offset + pos, offset + Math.max(tail, pos));
        throw err;
      }
      if (stmt === 0n) {
        // Whitespace or a comment only.
        if (tail <= pos) return [undefined, bytes.length];
        pos = tail;
        continue;
      }
      const text = decoder.decode(buf.subarray(pos, tail));
      const line = lineAt(bytes, offset + pos, offset + tail);
      return [{ statement: new Statement(this, stmt, text), line }, offset + tail];
    }
    return [undefined, bytes.length];
  }

  /** Runs `sql` (every statement) and returns the rows of the last statement that produced rows. */
  query(sql: string, params: readonly SqlValue[] = []): Record<string, SqlValue>[] {
    if (params.length) {
      const stmt = this.prepare(sql);
      try {
        stmt.bind(params);
        return stmt.all();
      } finally {
        stmt.finalize();
      }
    }
    let rows: Record<string, SqlValue>[] = [];
    for (const { statement } of this.statements(sql)) {
      try {
        const result = statement.all();
        if (statement.columnCount > 0) rows = result;
      } finally {
        statement.finalize();
      }
    }
    return rows;
  }

  /** Runs statements, discarding rows. */
  exec(sql: string): void {
    this.query(sql);
  }

  /**
   * Sets a boolean connection option (sqlite3_db_config, e.g. `SQLITE.DBCONFIG_DEFENSIVE`) and
   * returns the value now in force; throws when this libsqlite3 does not know the option.
   */
  config(option: number, enabled: boolean): boolean {
    const out = new Int32Array(1);
    const rc = sqlite().sqlite3_db_config(this.#handle, option, enabled ? 1 : 0, new Uint8Array(out.buffer));
    if (rc !== SQLITE.OK) {
      throw new SqliteError(
        `SQLite ${Database.version} does not support connection option ${option} (sqlite3_db_config): ` +
          "install SQLite 3.26 or newer, or point --sqlite_library at one.",
        rc,
      );
    }
    return out[0] !== 0;
  }

  /** Names (lower-case) of the functions registered with {@linkcode Database.function} and {@linkcode Database.aggregate}. */
  get functionNames(): ReadonlySet<string> {
    return this.#functionNames;
  }

  /** Sets a run-time limit (sqlite3_limit); returns the previous value. */
  limit(id: number, value: number): number {
    return sqlite().sqlite3_limit(this.#handle, id, value);
  }

  /** Interrupts the statement running on this connection (safe from a signal handler's turn). */
  interrupt(): void {
    sqlite().sqlite3_interrupt(this.#handle);
  }

  /**
   * What another thread needs to interrupt this connection (see remote_interrupt.ts): the
   * library path and the connection's address.
   */
  interruptTarget(): InterruptTarget {
    sqlite();
    return { library: sqliteLibraryPath() ?? "libsqlite3.so.0", handle: this.#handle };
  }

  /** Interrupts the statement running on connection `handle` (a query thread's), from this thread. */
  static interruptHandle(handle: bigint): void {
    sqlite().sqlite3_interrupt(handle);
  }

  /** Sets how long a statement waits for a locked database (sqlite3_busy_timeout), in ms. */
  busyTimeout(ms: number): void {
    busyTimeoutSymbol()(this.#handle, ms);
  }

  /** Registers a scalar function. */
  function(name: string, fn: ScalarFunction, options: FunctionOptions = {}): void {
    this.#createFunction(name, {
      call(ctx, argc, argv) {
        try {
          resultValue(ctx, fn(...readArgs(argc, argv)));
        } catch (err) {
          resultError(ctx, err instanceof Error ? err.message : String(err));
        }
      },
    }, options);
  }

  /** Registers an aggregate function (its per-group states live in a map keyed by SQLite's aggregate context). */
  aggregate<S>(name: string, fn: AggregateFunction<S>, options: FunctionOptions = {}): void {
    const s = sqlite();
    const states = new Map<bigint, S>();
    let nextId = 1n;
    // Each group's context holds an 8-byte id of its state (0 until the first row).
    const slot = (ctx: bigint, create: boolean): bigint => {
      const address = s.sqlite3_aggregate_context(ctx, create ? 8 : 0);
      if (address === 0n) return 0n;
      const view = new DataView(Deno.UnsafePointerView.getArrayBuffer(Deno.UnsafePointer.create(address)!, 8));
      let id = view.getBigUint64(0, true);
      if (id === 0n && create) {
        id = nextId++;
        view.setBigUint64(0, id, true);
        states.set(id, fn.init());
      }
      return id;
    };
    this.#createFunction(name, {
      call(ctx, argc, argv) {
        try {
          const id = slot(ctx, true);
          if (id === 0n) throw new Error("Out of memory for an aggregate.");
          fn.step(states.get(id)!, ...readArgs(argc, argv));
        } catch (err) {
          resultError(ctx, err instanceof Error ? err.message : String(err));
        }
      },
      final(ctx) {
        const id = slot(ctx, false);
        const state = id === 0n ? undefined : states.get(id);
        states.delete(id);
        try {
          resultValue(ctx, fn.final(state));
        } catch (err) {
          resultError(ctx, err instanceof Error ? err.message : String(err));
        }
      },
    }, options);
  }

  /** Registers `entry` under `name` through the shared callbacks (xFunc, or xStep and xFinal). */
  #createFunction(name: string, entry: FunctionEntry, options: FunctionOptions): void {
    const callbacks = sharedFunctionCallbacks();
    const id = nextEntryId++;
    functionEntries.set(id, entry);
    this.#functionIds.push(id);
    this.#functionNames.add(name.toLowerCase());
    const flags = SQLITE.UTF8 | (options.deterministic ? SQLITE.DETERMINISTIC : 0);
    const aggregate = entry.final !== undefined;
    const rc = sqlite().sqlite3_create_function_v2(
      this.#handle,
      cstr(name),
      options.nArgs ?? -1,
      flags,
      BigInt(id),
      aggregate ? null : callbacks.scalar.pointer,
      aggregate ? callbacks.step.pointer : null,
      aggregate ? callbacks.final.pointer : null,
      null,
    );
    if (rc !== SQLITE.OK) throw this.lastError(rc);
  }

  /** Registers a collation from a compare function returning <0, 0 or >0. */
  collation(name: string, compare: (a: string, b: string) => number): void {
    const callback = sharedCollationCallback();
    const id = nextEntryId++;
    collationEntries.set(id, compare);
    this.#collationIds.push(id);
    const rc = sqlite().sqlite3_create_collation_v2(
      this.#handle,
      cstr(name),
      SQLITE.UTF8,
      BigInt(id),
      callback.pointer,
      null,
    );
    if (rc !== SQLITE.OK) throw this.lastError(rc);
  }

  /** Installs an authorizer; a refusal's message replaces SQLite's "not authorized". */
  authorizer(check: Authorizer): void {
    const callback = new Deno.UnsafeCallback(
      { parameters: ["usize", "i32", "pointer", "pointer", "pointer", "pointer"], result: "i32" } as const,
      (_user, action, a1, a2, a3, a4) => {
        try {
          const refusal = check(action, readCString(a1), readCString(a2), readCString(a3), readCString(a4));
          if (refusal === undefined) return SQLITE.OK;
          this.#authorizerMessage = refusal;
          return SQLITE.DENY;
        } catch {
          return SQLITE.DENY;
        }
      },
    );
    this.#callbacks.push(callback);
    sqlite().sqlite3_set_authorizer(this.#handle, callback.pointer, 0n);
  }

  /** Keeps a callback alive for the connection's lifetime and closes it with the connection. */
  retain(callback: { close(): void }): void {
    this.#callbacks.push(callback);
  }

  /** Closes the connection and releases its callbacks. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    sqlite().sqlite3_close_v2(this.#handle);
    for (const cb of this.#callbacks) cb.close();
    for (const id of this.#functionIds) functionEntries.delete(id);
    for (const id of this.#collationIds) collationEntries.delete(id);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** True when `sql` ends a complete statement (sqlite3_complete). */
export function isCompleteStatement(sql: string): boolean {
  if (sql.length > BIG_SQL_CHUNK * 64) return true;
  return sqlite().sqlite3_complete(cstr(sql)) !== 0;
}

function lineAt(bytes: Uint8Array, start: number, end: number): number {
  // The line of the first non-blank byte of the statement (as the sqlite3 shell counts).
  let i = start;
  while (i < end && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x09 || bytes[i] === 0x0d)) i++;
  let line = 1;
  for (let j = 0; j < i && j < bytes.length; j++) if (bytes[j] === 0x0a) line++;
  return line;
}

let busyTimeoutFn: ((db: bigint, ms: number) => number) | undefined;

/** sqlite3_busy_timeout, bound on first use from the same library as the rest. */
function busyTimeoutSymbol(): (db: bigint, ms: number) => number {
  if (!busyTimeoutFn) {
    sqlite();
    const lib = Deno.dlopen(
      sqliteLibraryPath() ?? "libsqlite3.so.0",
      {
        sqlite3_busy_timeout: { parameters: ["usize", "i32"], result: "i32" },
      } as const,
    );
    busyTimeoutFn = (handle, value) => lib.symbols.sqlite3_busy_timeout(handle, value);
  }
  return busyTimeoutFn;
}
