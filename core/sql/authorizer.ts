/**
 * The authorizer that keeps SQL read-only toward the host: the connection lives in memory, so
 * the only ways SQL could create, write or delete a host file are attaching a database file,
 * loading an extension, VACUUM INTO and file-naming pragmas. Those are refused with a message
 * that says what to do instead.
 *
 * @module
 */

/** SQLite authorizer action codes used here. */
const ACTION = {
  PRAGMA: 19,
  ATTACH: 24,
  DETACH: 25,
  FUNCTION: 31,
} as const;

/** Pragmas that only read, or change in-memory connection state. */
const SAFE_PRAGMAS = new Set([
  "table_info",
  "table_xinfo",
  "table_list",
  "index_list",
  "index_info",
  "index_xinfo",
  "function_list",
  "module_list",
  "pragma_list",
  "collation_list",
  "database_list",
  "compile_options",
  "foreign_key_list",
  "case_sensitive_like",
  "recursive_triggers",
  "reverse_unordered_selects",
  "short_column_names",
  "full_column_names",
  "temp_store",
  "cache_size",
  "busy_timeout",
  "query_only",
  "encoding",
  "user_version",
  "schema_version",
  "data_version",
  "page_size",
  "page_count",
  "max_page_count",
  "freelist_count",
  "quick_check",
  "integrity_check",
  "optimize",
  "analysis_limit",
  "hard_heap_limit",
  "soft_heap_limit",
  "threads",
  "trusted_schema",
  "legacy_alter_table",
  "defer_foreign_keys",
  "foreign_keys",
  "ignore_check_constraints",
  "automatic_index",
  "cell_size_check",
]);

/** Refuses actions that could touch host files; returns the refusal message, or undefined. */
export function readOnlyAuthorizer(action: number, arg1: string, arg2: string): string | undefined {
  switch (action) {
    case ACTION.ATTACH:
      return "ATTACH is not allowed: osq never opens or creates database files on the host. " +
        "Use temporary tables or views for scratch data.";
    case ACTION.DETACH:
      return "DETACH is not allowed: osq does not attach databases.";
    case ACTION.FUNCTION:
      if (arg2.toLowerCase() === "load_extension") {
        return "load_extension is not allowed: SQLite extensions cannot be loaded into osq; " +
          "use an osquery extension (osq extension) instead.";
      }
      return undefined;
    case ACTION.PRAGMA:
      if (!SAFE_PRAGMAS.has(arg1.toLowerCase())) {
        return `PRAGMA ${arg1} is not allowed: it could change files on the host.`;
      }
      return undefined;
    default:
      return undefined;
  }
}
