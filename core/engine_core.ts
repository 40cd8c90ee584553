/**
 * The engine: one SQLite connection serving every registered table as a virtual table (attached
 * when a statement first names it), osquery's SQL functions and collations, and an authorizer
 * that keeps SQL away from the host's files. Everything that runs SQL (shell, daemon, extension
 * manager) goes through it.
 *
 * This module is the engine without the code that serves tables and osquery's functions (the
 * virtual-table module with its native cursor, and core/sql/functions.ts with its regular
 * expressions and carver store: ~100 KB of source). Import core/engine.ts, which loads that code
 * with it, unless you await {@linkcode loadEngineParts} before a statement needs it: the shell
 * does so for a one-shot `select 1`, which then reads none of it.
 *
 * @module
 */
import { Database, type ScriptStatement, SqliteError } from "./sqlite/database.ts";
import { SQLITE } from "./sqlite/ffi.ts";
import type { SqlValue } from "./sqlite/values.ts";
import { type Registry, registry as globalRegistry, sqlIdentifiers } from "./registry.ts";
import type { VirtualTableModule } from "./vtab/module.ts";
import type { registerSqlFunctions } from "./sql/functions.ts";
import { createAuthorizer, functionRefusal } from "./sql/authorizer.ts";

/** The code that serves tables and osquery's functions (core/engine_parts.ts). */
export interface EngineParts {
  /** The virtual-table module class. */
  VirtualTableModule: typeof VirtualTableModule;
  /** Registers osquery's SQL functions and collations on a connection. */
  registerSqlFunctions: typeof registerSqlFunctions;
}

/** Raised when a statement needs the engine's parts before they were loaded. */
export class EnginePartsError extends Error {
  constructor(what: string) {
    super(
      `The engine's table and function code is not loaded (needed for ${what}): import core/engine.ts, ` +
        "or await loadEngineParts() before running such a statement.",
    );
    this.name = "EnginePartsError";
  }
}

let parts: EngineParts | undefined;

/** Makes the parts available to every engine of this process (core/engine.ts does it at import). */
export function installEngineParts(loaded: EngineParts): void {
  parts ??= loaded;
}

/** Whether the parts are available (statements may name tables and call osquery's functions). */
export function enginePartsLoaded(): boolean {
  return parts !== undefined;
}

/** Loads the parts (once): afterwards every statement may name tables and call osquery's functions. */
export async function loadEngineParts(): Promise<void> {
  if (parts) return;
  installEngineParts((await import("./engine_parts.ts")).ENGINE_PARTS);
}

/**
 * Words of statements that can name no table, function, collation or pragma: SQL made of these,
 * literals and operators (no parenthesis) runs without the engine's parts. `like`, `glob`,
 * `regexp` and `match` are function calls, so they are not here.
 */
const PLAIN_WORDS = new Set([
  "select",
  "all",
  "distinct",
  "union",
  "intersect",
  "except",
  "values",
  "and",
  "or",
  "not",
  "null",
  "is",
  "isnull",
  "notnull",
  "true",
  "false",
  "case",
  "when",
  "then",
  "else",
  "end",
  "limit",
  "offset",
]);

/**
 * Whether `sql` may need the engine's parts: false only for statements of plain keywords,
 * literals and operators (`select 1`, `select 'a' || 'b'`), which can reach no table, function or
 * collation. Conservative: anything else (a parenthesis, any other word) answers true.
 */
export function needsEngineParts(sql: string): boolean {
  if (sql.includes("(")) return true;
  for (const word of sqlIdentifiers(sql)) if (!PLAIN_WORDS.has(word.toLowerCase())) return true;
  return false;
}

function requireParts(what: string): EngineParts {
  if (!parts) throw new EnginePartsError(what);
  return parts;
}

/** sqlite3_set_authorizer action codes references() listens for. */
const SQLITE_READ = 20;
const SQLITE_FUNCTION = 31;
const SQLITE_PRAGMA = 19;
const SQLITE_CREATE_VTABLE = 29;
/** The authorizer's answer to a function call made before osquery's functions are registered. */
const FUNCTIONS_PENDING = "osq: SQL functions not registered yet on this connection";
/** SQLite's messages for a function or collation it does not know (osquery's may be unregistered). */
const MISSING_FUNCTION = /^(no such function|no such collation sequence): /;
import { inferColumnTypes, type Instruction } from "./sql/column_types.ts";
import type { TableSpec } from "./table.ts";
import type { Host } from "./host/host.ts";

/** Options for {@linkcode Engine}. */
export interface EngineOptions {
  /** Registry to serve (default: the process-wide one). */
  registry?: Registry;
  /** Serve scans through the native cursor where it can run (default true; see core/vtab/native_cursor.ts). */
  nativeCursor?: boolean;
  /** Where every table reads its data (default: this machine; tests pass a fixture tree). */
  host?: Host;
}

/** A result column: its name and osquery type name (TEXT, INTEGER, BIGINT, ..., UNKNOWN). */
export interface ResultColumn {
  name: string;
  type: string;
}

/**
 * Largest string or blob a statement may build (SQLite's default is 1,000,000,000 bytes): as
 * large as the largest extension message (256 MiB), so no table value is cut, and a quarter of
 * what one SQL value could otherwise hold.
 */
export const MAX_VALUE_BYTES = 256 * 1024 * 1024;

/**
 * A SQL engine over the live host. By default it serves the process-wide registry (every table
 * osq registers); give it a {@linkcode Registry} of your own to serve exactly the tables you add.
 *
 * @example Querying a table of your own
 * ```ts
 * import { Engine } from "./engine.ts";
 * import { Registry } from "./registry.ts";
 * import { defineTable } from "./table.ts";
 *
 * const registry = new Registry();
 * registry.addTable(defineTable({
 *   name: "greetings",
 *   description: "Says hello in a few languages.",
 *   columns: [{ name: "language", type: "TEXT" }, { name: "word", type: "TEXT" }],
 *   generate: () => [{ language: "en", word: "hello" }, { language: "fr", word: "bonjour" }],
 * }));
 * using engine = new Engine({ registry });
 * const rows = engine.query("SELECT word FROM greetings WHERE language = ?", ["fr"]);
 * if (rows[0].word !== "bonjour") throw new Error("unexpected rows");
 * ```
 */
export class Engine {
  /** The underlying connection. */
  readonly db: Database;
  /** Made when the first table is attached (a statement naming no table needs none). */
  #vtab: VirtualTableModule | undefined;
  readonly #nativeCursor: boolean | undefined;
  readonly #host: Host | undefined;
  /**
   * Cancellation flag shared with other threads and with the virtual-table module: when element 0
   * is non-zero, scans stop with "interrupted" and sleeping functions wake.
   */
  readonly #cancel = new Int32Array(new SharedArrayBuffer(4));
  readonly #registry: Registry;
  readonly #unsubscribe: () => void;
  #scanObserver: ((table: string, ctx: import("./table.ts").QueryContext) => void) | undefined;

  constructor(options: EngineOptions = {}) {
    this.#registry = options.registry ?? globalRegistry;
    this.db = new Database(":memory:");
    hardenConnection(this.db);
    // One value (string or blob) may not exceed MAX_VALUE_BYTES: randomblob(999999999) or
    // printf('%.*c', 999999999, 'a') would otherwise hold 1 GB for one statement. SQLite refuses
    // such a value ("string or blob too big"; printf gives NULL).
    this.db.limit(SQLITE.LIMIT_LENGTH, MAX_VALUE_BYTES);
    // Sorts and temp tables stay in memory: no temporary files appear on the host.
    this.db.exec("PRAGMA temp_store = MEMORY");
    this.#nativeCursor = options.nativeCursor;
    this.#host = options.host;
    // osquery's SQL functions and collations are registered when a statement first calls a
    // function or names a collation (#retry), not here: `select 1` then makes none of the ~40
    // sqlite3_create_function_v2 calls and binds neither that symbol nor its callbacks.
    // Tables are attached to this connection when a statement first names one (see #attachNamed),
    // not here: one sqlite3_create_module_v2 call per name and alias cost 4-7 ms at every start.
    // A table added later (an extension's) is attached at once, a removed one detached.
    this.#unsubscribe = this.#registry.onTableChange((event, table) => {
      // An earlier listener may have removed the table again (--disable_tables keeps tables out
      // that register after it was applied): attach only what the registry still holds.
      // Without the engine's parts (a shell that has not needed them yet) the table is attached
      // when a statement first names it (#retry), by which time the shell has loaded them.
      if (event === "add") {
        if (this.#registry.hasTable(table.name) && parts) this.#attach(table);
      } else this.#detach(table);
    });
    this.db.onPrepareError = (message) => this.#retry(message);
    const registry = this.#registry;
    const check = createAuthorizer({
      isTable: (name) => registry.table(name) !== undefined,
      functions: this.db.functionNames,
    });
    this.db.authorizer((action, arg1, arg2) => {
      // While references() prepares a statement, note the tables it reads (views expanded)
      // and the functions it calls.
      // A function call before osquery's functions are registered: refuse this preparation and
      // prepare again after registering them (SQLite has chosen the function by now, and osq
      // replaces some of SQLite's own, e.g. ceil and sqrt).
      // The same for listing them (PRAGMA function_list and its table-valued form): registering
      // while that statement runs is not possible (SQLite refuses to replace a built-in function
      // while a statement is active), so it is always done between two preparations.
      if (!this.#functionsRegistered && listsFunctions(action, arg1)) return FUNCTIONS_PENDING;
      if (this.#references) {
        if (action === SQLITE_READ && arg1) this.#references.tables.add(arg1);
        else if (action === SQLITE_FUNCTION && arg2) this.#references.functions.add(arg2.toLowerCase());
      }
      // Statements that name a table where a missing one is no error (PRAGMA table_info(x) would
      // answer no rows) or is found only when the statement runs (CREATE VIRTUAL TABLE ... USING x):
      // attach it now, while the statement is prepared, before SQLite looks the name up.
      if (action === SQLITE_PRAGMA) {
        const pragma = arg1.toLowerCase();
        if ((pragma === "table_info" || pragma === "table_xinfo") && arg2) this.#attachNamed(arg2);
        else if (pragma === "module_list") this.#attachAll();
      } else if (action === SQLITE_CREATE_VTABLE && arg2) {
        this.#attachNamed(arg2);
      }
      return check(action, arg1, arg2);
    });
  }

  #functionsRegistered = false;

  #registerFunctions(): void {
    if (this.#functionsRegistered) return;
    const { registerSqlFunctions } = requireParts("osquery's SQL functions");
    this.#functionsRegistered = true;
    registerSqlFunctions(this.db, { cancel: this.#cancel });
  }

  /**
   * Whether a statement that failed to prepare with `message` is worth preparing again: it
   * called a function or named a collation before osquery's were registered (registers them),
   * or named a registered table not attached yet (attaches it).
   */
  #retry(message: string): boolean {
    if (!this.#functionsRegistered && (message === FUNCTIONS_PENDING || MISSING_FUNCTION.test(message))) {
      this.#registerFunctions();
      return true;
    }
    const missing = /^no such table: (.+)$/.exec(message);
    return missing !== null && this.#attachNamed(missing[1]);
  }

  /** Lower-case names (and aliases) of the tables attached to this connection. */
  readonly #attached = new Set<string>();

  #attach(table: TableSpec): void {
    // SQLite checks a column's COLLATE (osquery's version collations) when the table is declared,
    // which fails as "vtable constructor failed" before osquery's collations are registered.
    if (!this.#functionsRegistered && table.columns.some((column) => column.collate)) this.#registerFunctions();
    this.#module().attach(table);
    for (const name of [table.name, ...(table.aliases ?? [])]) this.#attached.add(name.toLowerCase());
  }

  /** The virtual-table module, made on first use. */
  #module(): VirtualTableModule {
    if (this.#vtab) return this.#vtab;
    const { VirtualTableModule } = requireParts("a table");
    const vtab = new VirtualTableModule(this.db.handle, { native: this.#nativeCursor, cancel: this.#cancel });
    // Every scan sees the engine's cancellation flag, so long generator loops can stop early.
    const host = this.#host;
    vtab.observer = (table, ctx) => {
      ctx.bindCancel(this.#cancel);
      if (host) ctx.host = host;
      this.#scanObserver?.(table, ctx);
    };
    this.#vtab = vtab;
    return vtab;
  }

  #attachAll(): void {
    for (const table of this.#registry.tables()) {
      if (!this.#attached.has(table.name.toLowerCase())) this.#attach(table);
    }
  }

  #detach(table: TableSpec): void {
    this.#vtab?.detach(table);
    for (const name of [table.name, ...(table.aliases ?? [])]) this.#attached.delete(name.toLowerCase());
  }

  /**
   * Attaches the registered table called `name` (SQLite's names are case-insensitive; a schema
   * prefix such as `main.` is dropped) unless it is attached already. True when it attached one,
   * so a statement that failed with "no such table" is worth preparing again.
   */
  #attachNamed(name: string): boolean {
    const dot = name.indexOf(".");
    const bare = dot >= 0 && !this.#registry.table(name) ? name.slice(dot + 1) : name;
    const lower = bare.toLowerCase();
    if (this.#attached.has(lower)) return false;
    const table = this.#registry.table(bare) ?? this.#registry.table(lower);
    if (!table) return false;
    this.#attach(table);
    return true;
  }

  #references: { tables: Set<string>; functions: Set<string> } | undefined;

  /**
   * The tables a script reads (through views too) and the functions it calls, found by preparing
   * each statement without running it; statements that do not prepare are left out.
   *
   * @example
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { Registry } from "./registry.ts";
   * import { defineTable } from "./table.ts";
   *
   * const registry = new Registry();
   * registry.addTable(defineTable({
   *   name: "numbers",
   *   description: "One to three.",
   *   columns: [{ name: "n", type: "INTEGER" }],
   *   generate: () => [{ n: 1 }, { n: 2 }, { n: 3 }],
   * }));
   * using engine = new Engine({ registry });
   * const { tables, functions } = engine.references("SELECT abs(n) FROM numbers");
   * if (!tables.has("numbers") || !functions.has("abs")) throw new Error("unexpected references");
   * ```
   */
  references(sql: string): { tables: Set<string>; functions: Set<string> } {
    const found = { tables: new Set<string>(), functions: new Set<string>() };
    this.#references = found;
    try {
      for (const { statement } of this.db.statements(sql)) statement.finalize();
    } catch {
      // The statement will report its error when it runs.
    } finally {
      this.#references = undefined;
    }
    return found;
  }

  /** The registry this engine serves. */
  get registry(): Registry {
    return this.#registry;
  }

  /** Whether scans run through the native cursor (false: every cursor callback is TypeScript). */
  get nativeCursor(): boolean {
    return this.#module().native;
  }

  /** Observes every table scan (for `--planner` and tests). */
  set scanObserver(observer: ((table: string, ctx: import("./table.ts").QueryContext) => void) | undefined) {
    this.#scanObserver = observer;
  }

  /**
   * Runs SQL and returns the rows of its last row-producing statement.
   *
   * @example Bound parameters and SQL functions
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { Registry } from "./registry.ts";
   *
   * using engine = new Engine({ registry: new Registry() });
   * const [row] = engine.query("SELECT ? + 1 AS n, upper('osq') AS name", [41]);
   * if (row.n !== 42 || row.name !== "OSQ") throw new Error("unexpected row");
   * ```
   */
  query(sql: string, params: readonly SqlValue[] = []): Record<string, SqlValue>[] {
    this.resetCancel();
    return this.db.query(sql, params);
  }

  /** Prepares the statements of a script one by one (see {@linkcode Database.statements}). */
  statements(sql: string): Generator<ScriptStatement> {
    this.resetCancel();
    return this.db.statements(sql);
  }

  /**
   * The result columns of a query, with osquery's type names, without running it.
   *
   * @example
   * ```ts
   * import { Engine } from "./engine.ts";
   * import { Registry } from "./registry.ts";
   *
   * using engine = new Engine({ registry: new Registry() });
   * const columns = engine.columns("SELECT 1 AS one, 'a' AS letter");
   * if (columns.map((c) => c.name).join() !== "one,letter") throw new Error("unexpected columns");
   * ```
   */
  columns(sql: string): ResultColumn[] {
    const stmt = this.db.prepare(sql);
    try {
      const names = stmt.columnNames;
      let types = stmt.columnDeclTypes.map(osqueryTypeName);
      // Expressions have no declared type: read them off the program, as osquery does.
      if (types.includes("UNKNOWN")) types = inferColumnTypes(this.#program(sql), types);
      return names.map((name, i) => ({ name, type: types[i] }));
    } finally {
      stmt.finalize();
    }
  }

  /** The bytecode of a statement (`EXPLAIN`), without running it. */
  #program(sql: string): Instruction[] {
    const stmt = this.db.prepare("EXPLAIN " + sql);
    try {
      const program: Instruction[] = [];
      while (stmt.step()) {
        program.push({
          opcode: String(stmt.value(1)),
          p1: Number(stmt.value(2)),
          p2: Number(stmt.value(3)),
          p3: Number(stmt.value(4)),
        });
      }
      return program;
    } finally {
      stmt.finalize();
    }
  }

  /** Table specs known to this engine, sorted by name. */
  tables(): TableSpec[] {
    return this.#registry.tables();
  }

  /**
   * Stops the running statement: scans end at their next row and SQLite stops at its next
   * opcode. Safe to call from a signal or timer while a query runs on another turn.
   */
  cancel(): void {
    Atomics.store(this.#cancel, 0, 1);
    // Wakes a sleep() waiting on the flag at once.
    Atomics.notify(this.#cancel, 0);
    this.db.interrupt();
  }

  /** The shared cancellation flag (element 0 non-zero = cancel), for another thread to set. */
  get cancelFlag(): Int32Array {
    return this.#cancel;
  }

  /** Clears a previous cancellation. */
  resetCancel(): void {
    Atomics.store(this.#cancel, 0, 0);
  }

  /** Closes the connection. */
  close(): void {
    this.#unsubscribe();
    this.db.close();
    this.#vtab?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** True for authorizer actions that call or list SQL functions or collations. */
function listsFunctions(action: number, arg1: string): boolean {
  if (action === SQLITE_FUNCTION) return true;
  const name = arg1.toLowerCase();
  if (action === SQLITE_PRAGMA) return name === "function_list" || name === "collation_list";
  return action === SQLITE_READ && (name === "pragma_function_list" || name === "pragma_collation_list");
}

/** How {@linkcode openHostDatabase} opens a SQLite file of the host. */
export interface HostDatabaseOptions {
  /** Open as `immutable=1`: no locks taken or honoured, the file is assumed not to change. */
  immutable?: boolean;
  /** Ignore other connections' locks (the "unix-none" VFS), for files not in WAL mode. */
  ignoreLocks?: boolean;
}

/** SQLite authorizer actions a host database query may use: READ, SELECT, RECURSIVE (and allowed functions). */
const HOST_READ_ACTIONS = new Set([20, 21, 33]);
const PRAGMA_ACTION = 19;
const FUNCTION_ACTION = 31;

/**
 * Opens a SQLite database file on the host read-only (auto_table_construction): no writes, no
 * ATTACH, no pragma but `journal_mode`, extension loading off. Throws SqliteError when it cannot
 * be opened.
 */
export function openHostDatabase(path: string, options: HostDatabaseOptions = {}): Database {
  const uri = options.immutable
    ? `file:${encodeURI(path).replaceAll("?", "%3f").replaceAll("#", "%23")}?immutable=1`
    : path;
  const db = new Database(uri, { readOnly: true, vfs: options.ignoreLocks ? "unix-none" : undefined });
  try {
    hardenConnection(db);
    db.authorizer((action, arg1, arg2) => {
      if (HOST_READ_ACTIONS.has(action)) return undefined;
      // The file's own views run here too: the same function allowlist as every query.
      if (action === FUNCTION_ACTION) return functionRefusal(arg2, db.functionNames);
      if (action === PRAGMA_ACTION && arg1.toLowerCase() === "journal_mode") return undefined;
      return "A query over a host database may only read from it.";
    });
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Turns off what the host's libsqlite3 may have compiled in that a query must never reach:
 * FTS3's pointer-taking `fts3_tokenizer` form and extension loading; defensive mode stops
 * writes to the schema and database pages. Throws (naming the option) when a setting does not take.
 */
function hardenConnection(db: Database): void {
  const settings: [number, boolean, string][] = [
    [SQLITE.DBCONFIG_ENABLE_FTS3_TOKENIZER, false, "SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER"],
    [SQLITE.DBCONFIG_ENABLE_LOAD_EXTENSION, false, "SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION"],
    [SQLITE.DBCONFIG_WRITABLE_SCHEMA, false, "SQLITE_DBCONFIG_WRITABLE_SCHEMA"],
    [SQLITE.DBCONFIG_DEFENSIVE, true, "SQLITE_DBCONFIG_DEFENSIVE"],
  ];
  for (const [option, wanted, name] of settings) {
    if (db.config(option, wanted) !== wanted) {
      throw new SqliteError(`SQLite refused ${name}=${wanted ? 1 : 0}; osq will not run queries without it.`);
    }
  }
}

/** Maps a declared SQLite column type to osquery's type name. */
export function osqueryTypeName(declared: string): string {
  const t = declared.toUpperCase();
  if (t === "") return "UNKNOWN";
  if (t === "UNSIGNED BIGINT" || t === "UNSIGNED_BIGINT") return "UNSIGNED BIGINT";
  if (["TEXT", "INTEGER", "BIGINT", "DOUBLE", "BLOB"].includes(t)) return t;
  if (t.includes("INT")) return "INTEGER";
  if (t.includes("CHAR") || t.includes("CLOB")) return "TEXT";
  if (t.includes("REAL") || t.includes("FLOA") || t.includes("DOUB")) return "DOUBLE";
  return "UNKNOWN";
}

export { SQLITE, SqliteError };
