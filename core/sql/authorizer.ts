/**
 * The authorizer that keeps SQL to what a read-only query needs, as osquery's allowlist does:
 * every action, function, pragma and virtual-table module not listed here is refused with a
 * message that says what is allowed instead.
 *
 * Why an allowlist: the host's libsqlite3 carries compiled-in extras (FTS3's two-argument
 * `fts3_tokenizer`, which takes a raw C pointer; process-wide pragmas such as
 * `hard_heap_limit`; FTS/R-Tree modules) that a denylist has to know about one by one. SQL
 * reaches osq from the shell, the extension socket and a TLS server's distributed queries, so
 * anything not needed to read the host is refused.
 *
 * @module
 */

/** SQLite authorizer action codes (sqlite3.h, SQLITE_CREATE_INDEX .. SQLITE_RECURSIVE). */
export const ACTION = {
  CREATE_INDEX: 1,
  CREATE_TABLE: 2,
  CREATE_TEMP_INDEX: 3,
  CREATE_TEMP_TABLE: 4,
  CREATE_TEMP_TRIGGER: 5,
  CREATE_TEMP_VIEW: 6,
  CREATE_TRIGGER: 7,
  CREATE_VIEW: 8,
  DELETE: 9,
  DROP_INDEX: 10,
  DROP_TABLE: 11,
  DROP_TEMP_INDEX: 12,
  DROP_TEMP_TABLE: 13,
  DROP_TEMP_TRIGGER: 14,
  DROP_TEMP_VIEW: 15,
  DROP_TRIGGER: 16,
  DROP_VIEW: 17,
  INSERT: 18,
  PRAGMA: 19,
  READ: 20,
  SELECT: 21,
  TRANSACTION: 22,
  UPDATE: 23,
  ATTACH: 24,
  DETACH: 25,
  ALTER_TABLE: 26,
  REINDEX: 27,
  ANALYZE: 28,
  CREATE_VTABLE: 29,
  DROP_VTABLE: 30,
  FUNCTION: 31,
  SAVEPOINT: 32,
  RECURSIVE: 33,
} as const;

/**
 * Actions allowed without further checks — osquery's list: reads, scratch tables and views
 * (the connection is in memory, so they never touch a host file), writes to those scratch
 * tables, CTEs and transactions around them.
 */
const ALLOWED_ACTIONS = new Set<number>([
  ACTION.READ,
  ACTION.SELECT,
  ACTION.INSERT,
  ACTION.UPDATE,
  ACTION.DELETE,
  ACTION.CREATE_TABLE,
  ACTION.DROP_TABLE,
  ACTION.CREATE_TEMP_TABLE,
  ACTION.DROP_TEMP_TABLE,
  ACTION.CREATE_VIEW,
  ACTION.DROP_VIEW,
  ACTION.CREATE_TEMP_VIEW,
  ACTION.DROP_TEMP_VIEW,
  ACTION.RECURSIVE,
  ACTION.TRANSACTION,
]);

/** What a refused statement kind is called in the message, and what to do instead. */
const REFUSED_ACTIONS: Record<number, string> = {
  [ACTION.ATTACH]: "ATTACH is not allowed: osq never opens or creates database files on the host. " +
    "Use temporary tables or views for scratch data.",
  [ACTION.DETACH]: "DETACH is not allowed: osq does not attach databases.",
  [ACTION.CREATE_INDEX]: "CREATE INDEX is not allowed: osq runs read-only queries; " +
    "allowed are SELECT, CREATE/DROP TABLE and VIEW, INSERT/UPDATE/DELETE on those tables, and BEGIN/COMMIT.",
  [ACTION.CREATE_TEMP_INDEX]: "CREATE INDEX is not allowed: osq runs read-only queries; " +
    "allowed are SELECT, CREATE/DROP TABLE and VIEW, INSERT/UPDATE/DELETE on those tables, and BEGIN/COMMIT.",
  [ACTION.CREATE_TRIGGER]: "CREATE TRIGGER is not allowed: osq runs read-only queries.",
  [ACTION.CREATE_TEMP_TRIGGER]: "CREATE TRIGGER is not allowed: osq runs read-only queries.",
  [ACTION.ALTER_TABLE]: "ALTER TABLE is not allowed: create a new table or view instead.",
  [ACTION.REINDEX]: "REINDEX is not allowed: osq runs read-only queries.",
  [ACTION.ANALYZE]: "ANALYZE is not allowed: osq runs read-only queries.",
  [ACTION.SAVEPOINT]: "SAVEPOINT is not allowed: use BEGIN and COMMIT.",
};

/**
 * SQLite's own functions a query may call: core scalars, aggregates, window functions, date and
 * time, math and JSON (SQLite 3.38+ keeps JSON in the core). Left out on purpose:
 * `load_extension` (native code), `sqlite_log` (writes to the process's error log), and every
 * function an extension module adds (`fts3_tokenizer`, which reads a C pointer from a blob and
 * leaks library addresses; `fts5`; `rtreenode`/`rtreecheck`; FTS auxiliaries).
 */
const SQLITE_FUNCTIONS = new Set<string>([
  "->",
  "->>",
  "abs",
  "acos",
  "acosh",
  "asin",
  "asinh",
  "atan",
  "atan2",
  "atanh",
  "avg",
  "ceil",
  "ceiling",
  "changes",
  "char",
  "coalesce",
  "concat",
  "concat_ws",
  "cos",
  "cosh",
  "count",
  "cume_dist",
  "current_date",
  "current_time",
  "current_timestamp",
  "date",
  "datetime",
  "degrees",
  "dense_rank",
  "exp",
  "first_value",
  "floor",
  "format",
  "glob",
  "group_concat",
  "hex",
  "ifnull",
  "iif",
  "instr",
  "json",
  "json_array",
  "json_array_length",
  "json_extract",
  "json_group_array",
  "json_group_object",
  "json_insert",
  "json_object",
  "json_patch",
  "json_quote",
  "json_remove",
  "json_replace",
  "json_set",
  "json_type",
  "json_valid",
  "julianday",
  "lag",
  "last_insert_rowid",
  "last_value",
  "lead",
  "length",
  "like",
  "likelihood",
  "likely",
  "ln",
  "log",
  "log10",
  "log2",
  "lower",
  "ltrim",
  "max",
  "min",
  "mod",
  "nth_value",
  "ntile",
  "nullif",
  "octet_length",
  "percent_rank",
  "pi",
  "pow",
  "power",
  "printf",
  "quote",
  "radians",
  "random",
  "randomblob",
  "rank",
  "replace",
  "round",
  "row_number",
  "rtrim",
  "sign",
  "sin",
  "sinh",
  "soundex",
  "sqlite_compileoption_get",
  "sqlite_compileoption_used",
  "sqlite_source_id",
  "sqlite_version",
  "sqrt",
  "strftime",
  "string_agg",
  "substr",
  "substring",
  "subtype",
  "sum",
  "tan",
  "tanh",
  "time",
  "timediff",
  "total",
  "total_changes",
  "trim",
  "trunc",
  "typeof",
  "unhex",
  "unicode",
  "unixepoch",
  "unlikely",
  "upper",
  "zeroblob",
]);

/** Functions refused with a reason of their own. */
const REFUSED_FUNCTIONS: Record<string, string> = {
  load_extension: "load_extension is not allowed: SQLite extensions cannot be loaded into osq; " +
    "use an osquery extension (osq extension) instead.",
  fts3_tokenizer: "fts3_tokenizer is not allowed: it reads and returns native code pointers. " +
    "osq serves no full-text-search tables.",
};

/** How a pragma may be used. */
type PragmaUse =
  /** Reads the schema; its argument names a table, index or nothing. */
  | "introspect"
  /** Reads a connection setting; setting it is refused (it would change later queries). */
  | "read"
  /** Changes only this connection's in-memory behaviour (osquery allows setting these). */
  | "set";

/**
 * Pragmas a read-only query may run. Process-wide settings (`hard_heap_limit`, `soft_heap_limit`,
 * `threads`) and file-naming ones (`temp_store_directory`, `data_store_directory`) are absent on
 * purpose: one statement could make every later statement fail, or write a host file.
 */
const PRAGMAS: Record<string, PragmaUse> = {
  table_info: "introspect",
  table_xinfo: "introspect",
  table_list: "introspect",
  index_list: "introspect",
  index_info: "introspect",
  index_xinfo: "introspect",
  foreign_key_list: "introspect",
  function_list: "introspect",
  module_list: "introspect",
  pragma_list: "introspect",
  collation_list: "introspect",
  database_list: "introspect",
  compile_options: "introspect",
  encoding: "read",
  user_version: "read",
  schema_version: "read",
  data_version: "read",
  page_size: "read",
  page_count: "read",
  max_page_count: "read",
  freelist_count: "read",
  cache_size: "read",
  temp_store: "read",
  busy_timeout: "read",
  query_only: "read",
  foreign_keys: "read",
  recursive_triggers: "read",
  automatic_index: "read",
  journal_mode: "set",
  case_sensitive_like: "set",
};

/** What the authorizer checks names against. */
export interface AuthorizerCatalogue {
  /** True when `name` is a table osq serves (its virtual-table module is in the catalogue). */
  isTable(name: string): boolean;
  /** Functions osq itself registered on the connection (lower-case names). */
  functions: ReadonlySet<string>;
}

/** An authorizer callback: a refusal message, or undefined to allow. */
export type AuthorizerCheck = (action: number, arg1: string, arg2: string) => string | undefined;

/** Builds the allowlist authorizer for a connection serving `catalogue`. */
export function createAuthorizer(catalogue: AuthorizerCatalogue): AuthorizerCheck {
  return (action, arg1, arg2) => {
    if (ALLOWED_ACTIONS.has(action)) return undefined;
    switch (action) {
      case ACTION.FUNCTION:
        return checkFunction(arg2, catalogue);
      case ACTION.PRAGMA:
        return checkPragma(arg1, arg2);
      case ACTION.CREATE_VTABLE:
      case ACTION.DROP_VTABLE:
        if (catalogue.isTable(arg2)) return undefined;
        return `Virtual table module ${arg2} is not allowed: only osq's tables can be used ` +
          `(CREATE VIRTUAL TABLE of ${arg2} is refused). Use CREATE TEMP TABLE or a view for scratch data.`;
      default:
        return REFUSED_ACTIONS[action] ??
          `This kind of statement (SQLite action ${action}) is not allowed: osq runs read-only queries; ` +
            "allowed are SELECT, CREATE/DROP TABLE and VIEW, INSERT/UPDATE/DELETE on those tables, and BEGIN/COMMIT.";
    }
  };
}

function checkFunction(name: string, catalogue: AuthorizerCatalogue): string | undefined {
  return functionRefusal(name, catalogue.functions);
}

/**
 * Why `name` may not be called (undefined: it may): SQLite's own query functions and those in
 * `registered` (lower-case names the connection registered) are allowed, nothing else.
 */
export function functionRefusal(name: string, registered: ReadonlySet<string>): string | undefined {
  const lower = name.toLowerCase();
  if (registered.has(lower) || SQLITE_FUNCTIONS.has(lower)) return undefined;
  return REFUSED_FUNCTIONS[lower] ??
    `Function ${name} is not allowed: osq runs SQLite's core, date, math, JSON and window functions ` +
      "and osquery's functions only.";
}

function checkPragma(name: string, argument: string): string | undefined {
  const lower = name.toLowerCase();
  const use = PRAGMAS[lower];
  if (use === undefined) {
    return `PRAGMA ${name} is not allowed: it could change the process or files on the host. ` +
      `Allowed pragmas: ${Object.keys(PRAGMAS).sort().join(", ")}.`;
  }
  if (use === "read" && argument !== "") {
    return `PRAGMA ${name} can only be read here: setting it would change every later query.`;
  }
  return undefined;
}
