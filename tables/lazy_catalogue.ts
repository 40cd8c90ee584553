/**
 * The lazy table catalogue: importing it registers every built-in table by its name and aliases
 * (tables/schemas.ts, data only) without evaluating any table's code or parsing any schema. A
 * table's schema is parsed when something first reads it (planning, `.schema`, completion), and
 * its module is imported when a statement first names it (`registry.loadTablesFor(sql)`). The shell
 * imports it only to list or explain tables; a one-shot statement loads the modules of the tables
 * it names directly (cmd/shell/catalogue.ts).
 *
 * The daemon loads the tables its config and live queries name before it runs them
 * (cmd/daemon/table_loading.ts); tables/catalogue.ts loads every table at once (docs, tests).
 *
 * @module
 */
import { type DeferredCatalogue, registry } from "../core/registry.ts";
import { loadTable, SCHEMA_FIELDS, TABLE_ALIASES, TABLE_SCHEMA_TEXT, tableSchema } from "./schemas.ts";

/** The built-in tables' schemas and modules, one object for all of them. */
const BUILT_IN: DeferredCatalogue = {
  fields: SCHEMA_FIELDS,
  parse: (name) => tableSchema(name)!,
  load: loadTable,
};

for (const name in TABLE_SCHEMA_TEXT) {
  // A table registered already (tables/catalogue.ts imported first) keeps its loaded spec. An exact
  // name lookup: registry.table() would scan every table's aliases per name, and that quadratic
  // loop alone made V8 optimise code at start-up (~1.4 MiB RSS, ~3 ms).
  if (registry.hasTable(name)) continue;
  const aliases = TABLE_ALIASES[name];
  registry.addDeferredTable(name, aliases ? [...aliases] : undefined, BUILT_IN);
}
