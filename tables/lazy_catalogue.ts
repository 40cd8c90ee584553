/**
 * The lazy table catalogue: importing it registers every built-in table by its schema
 * (tables/schemas.ts, data only) without evaluating any table's code. A table's module is imported
 * when a statement first names it (`registry.loadTablesFor(sql)`, which the shell's runner calls
 * before it runs SQL), so `osq shell "select 1"` loads no table at all.
 *
 * Faces whose SQL runs through synchronous paths (the daemon's scheduler, pack lint) import
 * tables/catalogue.ts instead, which loads every table at once.
 *
 * @module
 */
import { registry } from "../core/registry.ts";
import { TABLE_LOADERS, TABLE_SCHEMAS } from "./schemas.ts";

for (const schema of TABLE_SCHEMAS) {
  // A table registered already (tables/catalogue.ts imported first) keeps its loaded spec.
  if (registry.table(schema.name) !== undefined) continue;
  registry.addLazyTable(schema, TABLE_LOADERS[schema.name]);
}
