/**
 * Registering built-in tables by schema (tables/schemas.ts), all of them or only the ones a
 * statement names. tables/lazy_catalogue.ts registers all of them when it is imported; the shell
 * registers only the tables a one-shot statement names (cmd/shell/catalogue.ts): the 157
 * registrations cost about 1.3 MiB and two milliseconds that `select pid from processes` does not
 * need. A registered table's schema is parsed when something first reads it, and its module is
 * imported when a statement first names it (`registry.loadTablesFor(sql)`).
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

let all = false;
/** Table names by alias (lower case), made when an alias is first looked up. */
let byAlias: Map<string, string> | undefined;

function register(name: string): void {
  // A table registered already (tables/catalogue.ts imported first) keeps its loaded spec. An exact
  // name lookup: registry.table() would scan every table's aliases per name, and that quadratic
  // loop alone made V8 optimise code at start-up (~1.4 MiB RSS, ~3 ms).
  if (registry.hasTable(name)) return;
  const aliases = TABLE_ALIASES[name];
  registry.addDeferredTable(name, aliases ? [...aliases] : undefined, BUILT_IN);
}

/** Registers every built-in table not registered yet. */
export function registerAllBuiltInTables(): void {
  if (all) return;
  all = true;
  for (const name in TABLE_SCHEMA_TEXT) register(name);
}

/** Registers the built-in tables `names` call (names or aliases, any case); other names are ignored. */
export function registerBuiltInTables(names: Iterable<string>): void {
  if (all) return;
  for (const given of names) {
    const lower = given.toLowerCase();
    if (Object.hasOwn(TABLE_SCHEMA_TEXT, lower)) {
      register(lower);
      continue;
    }
    byAlias ??= new Map(
      Object.entries(TABLE_ALIASES).flatMap(([name, aliases]) => aliases.map((a) => [a.toLowerCase(), name])),
    );
    const name = byAlias.get(lower);
    if (name !== undefined) register(name);
  }
}
