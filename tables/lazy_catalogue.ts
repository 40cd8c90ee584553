/**
 * The lazy table catalogue: importing it registers every built-in table by its name and aliases
 * (tables/schemas.ts, data only) without evaluating any table's code or parsing any schema. A
 * table's schema is parsed when something first reads it (planning, `.schema`, completion), and
 * its module is imported when a statement first names it (`registry.loadTablesFor(sql)`, which
 * the shell's runner calls before it runs SQL), so `osq shell "select 1"` loads no table at all.
 *
 * The daemon loads the tables its config and live queries name before it runs them
 * (cmd/daemon/table_loading.ts); tables/catalogue.ts loads every table at once (docs, tests).
 *
 * @module
 */
import { registerAllBuiltInTables } from "./deferred_tables.ts";

registerAllBuiltInTables();
