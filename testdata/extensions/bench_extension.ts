/**
 * The extension scripts/bench_extensions.ts runs: one table of 1,000 rows x 5 columns.
 */
import { defineExtension, defineTable } from "../../sdk/mod.ts";

const rows = Array.from({ length: 1000 }, (_, i) => ({
  id: i,
  name: `name-${i}`,
  path: `/usr/lib/osq/bench/${i}/file.so`,
  size: i * 4096,
  ratio: i / 7,
}));

export default defineExtension({
  name: "bench",
  version: "1.0.0",
  tables: [defineTable({
    name: "bench_rows",
    description: "1,000 rows of 5 columns.",
    columns: [
      { name: "id", type: "INTEGER" },
      { name: "name", type: "TEXT" },
      { name: "path", type: "TEXT" },
      { name: "size", type: "BIGINT" },
      { name: "ratio", type: "DOUBLE" },
    ],
    generate: () => rows,
  })],
});
