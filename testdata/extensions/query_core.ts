/**
 * An extension whose tables query the core while they generate, as osquery's example extension's
 * `complex_example` does (it reads `osquery_flags` through the manager):
 *
 *   osq shell --extension testdata/extensions/query_core.ts "select * from core_flag"
 *
 * `core_flag` answers the core's --extensions_timeout; `core_loop` queries itself through the
 * core, so every scan nests another until the core stops it with a clear error.
 */
import { defineExtension, defineTable, queryCore } from "osq/sdk";

export default defineExtension({
  name: "query_core",
  version: "1.0.0",
  tables: [
    defineTable({
      name: "core_flag",
      description: "The core's --extensions_timeout, read through the extension manager's query.",
      columns: [{ name: "value", type: "TEXT" }],
      async generate() {
        const rows = await queryCore("select value from osquery_flags where name = 'extensions_timeout'");
        return rows.map((row) => ({ value: row.value }));
      },
    }),
    defineTable({
      name: "core_loop",
      description: "Queries itself through the core (a recursion the core must stop).",
      columns: [{ name: "depth", type: "INTEGER" }],
      async generate() {
        const rows = await queryCore("select depth from core_loop");
        return rows.map((row) => ({ depth: Number(row.depth) + 1 }));
      },
    }),
  ],
});
