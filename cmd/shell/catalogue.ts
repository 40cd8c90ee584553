/**
 * How the shell knows its built-in tables. Registering all 157 by schema (tables/lazy_catalogue.ts)
 * costs about 1.3 MiB and the schemas' module another 1.4 MiB, which a one-shot statement does not
 * need: it imports the modules of the tables it names (tables/table_loaders.ts; each module
 * registers its own spec), and `select 1` none. tables/table_names.ts tells a table's name from any
 * other word without loading either. Whatever lists or explains tables registers the whole
 * catalogue first: meta-commands, the console's completion, extensions, a config, an error's
 * suggestions, the table pragmas and `osquery_registry`.
 *
 * @module
 */
import { registry, sqlIdentifiers } from "../../core/registry.ts";
import { isBuiltInTableName } from "../../tables/table_names.ts";

let catalogue: Promise<unknown> | undefined;
let loaders: Promise<typeof import("./table_code.ts")> | undefined;

/** Names that need every table registered: pragmas naming tables in strings, the registry's table. */
const WHOLE_CATALOGUE = /^((pragma_)?(table_x?info|module_list)|osquery_registry)$/i;

/** Registers every built-in table in the process-wide registry (once). */
export async function loadCatalogue(): Promise<void> {
  await (catalogue ??= import("../../tables/lazy_catalogue.ts"));
}

/**
 * Makes the built-in tables `sql` names available: their modules loaded (by name or alias, any
 * case), or the whole catalogue registered when it names one of WHOLE_CATALOGUE.
 */
export async function loadCatalogueFor(sql: string): Promise<void> {
  const named = new Set<string>();
  for (const name of sqlIdentifiers(sql)) {
    if (WHOLE_CATALOGUE.test(name)) return await loadCatalogue();
    if (isBuiltInTableName(name)) named.add(name.toLowerCase());
  }
  // With the catalogue registered, the runner's registry.loadTablesFor(sql) loads the modules.
  if (named.size === 0 || catalogue) return;
  // The engine's table code comes with the loaders, in the same round of module loading.
  const { loadTable, TABLE_ALIASES } = await (loaders ??= import("./table_code.ts"));
  const byAlias = new Map(Object.entries(TABLE_ALIASES).flatMap(([table, aliases]) => aliases.map((a) => [a, table])));
  const tables = [...named].map((name) => byAlias.get(name) ?? name).filter((name) => !registry.hasTable(name));
  await Promise.all(tables.map((name) => loadTable(name)));
}
