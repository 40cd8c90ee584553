/**
 * When the shell loads the built-in tables' catalogue (tables/lazy_catalogue.ts: every table by
 * name, its schema and module on demand). Registering the 157 tables cost about 1.3 MiB and a
 * couple of milliseconds that a statement naming no table (`select 1`) does not need, so the shell
 * loads it before the first statement that may name a built-in table (tables/table_names.ts), and
 * before whatever lists or explains tables: meta-commands, the console's completion, extensions,
 * a config, an error's suggestions.
 *
 * @module
 */
import { sqlIdentifiers } from "../../core/registry.ts";
import { isBuiltInTableName } from "../../tables/table_names.ts";

let loading: Promise<unknown> | undefined;

/** Pragmas that name or list tables, as statements or table-valued functions. */
const TABLE_PRAGMA = /^(pragma_)?(table_x?info|module_list)$/i;

/** Loads the catalogue into the process-wide registry (once). */
export async function loadCatalogue(): Promise<void> {
  await (loading ??= import("../../tables/lazy_catalogue.ts"));
}

/** Loads the catalogue when `sql` has an identifier that is a built-in table's name or alias. */
export async function loadCatalogueFor(sql: string): Promise<void> {
  if (loading) return await loadCatalogue();
  for (const name of sqlIdentifiers(sql)) {
    // The table-valued pragmas name tables in strings (pragma_table_info('users')).
    if (isBuiltInTableName(name) || TABLE_PRAGMA.test(name)) return await loadCatalogue();
  }
}
