/**
 * Which built-in tables the shell registers (by schema: tables/deferred_tables.ts), and when.
 * Registering all 157 costs about 1.3 MiB and a couple of milliseconds: a one-shot statement
 * registers only the tables it names (tables/table_names.ts tells a table's name from any other
 * word without loading the schemas), `select 1` none. Whatever lists or explains tables registers
 * them all first: meta-commands, the console's completion, extensions, a config, an error's
 * suggestions, the table pragmas and `osquery_registry`.
 *
 * @module
 */
import { sqlIdentifiers } from "../../core/registry.ts";
import { isBuiltInTableName } from "../../tables/table_names.ts";

type DeferredTables = typeof import("../../tables/deferred_tables.ts");

let loading: Promise<DeferredTables> | undefined;

function deferredTables(): Promise<DeferredTables> {
  return loading ??= import("../../tables/deferred_tables.ts");
}

/** Names that need every table registered: pragmas naming tables in strings, the registry's table. */
const WHOLE_CATALOGUE = /^((pragma_)?(table_x?info|module_list)|osquery_registry)$/i;

/** Registers every built-in table in the process-wide registry (once). */
export async function loadCatalogue(): Promise<void> {
  (await deferredTables()).registerAllBuiltInTables();
}

/** Registers the built-in tables `sql` names (all of them when it names one of WHOLE_CATALOGUE). */
export async function loadCatalogueFor(sql: string): Promise<void> {
  const named: string[] = [];
  for (const name of sqlIdentifiers(sql)) {
    if (WHOLE_CATALOGUE.test(name)) return await loadCatalogue();
    if (isBuiltInTableName(name)) named.push(name);
  }
  if (named.length > 0) (await deferredTables()).registerBuiltInTables(named);
}
