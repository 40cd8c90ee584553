/**
 * An example osq extension: one table and one logger plugin, written with the SDK.
 *
 *   osq extension --socket /var/osquery/osquery.em testdata/extensions/example.ts
 *   osqueryi --extensions_socket /var/osquery/osquery.em  -> select * from example_numbers;
 *
 * `example_numbers` yields the numbers 1..N with their squares (N = 10, or the value of an
 * `n = ...` constraint pushed down by the core); `example_log` appends result lines to the file
 * named by $OSQ_EXAMPLE_LOG.
 */
import { defineExtension, defineTable, loggerPlugin } from "osq/sdk";

export default defineExtension({
  name: "example",
  version: "1.0.0",
  tables: [
    defineTable({
      name: "example_numbers",
      description: "The numbers 1..10 (or those asked for) with their squares.",
      columns: [
        { name: "n", type: "INTEGER" },
        { name: "square", type: "BIGINT" },
        { name: "label", type: "TEXT" },
      ],
      generate(ctx) {
        const asked = ctx.integerEquals("n");
        const numbers = asked.length ? asked : Array.from({ length: 10 }, (_, i) => i + 1);
        return numbers.map((n) => ({ n, square: n * n, label: ctx.isUsed("label") ? `#${n}` : null }));
      },
    }),
  ],
  plugins: [
    loggerPlugin("example_log", {
      logString(line) {
        const path = Deno.env.get("OSQ_EXAMPLE_LOG");
        if (path) Deno.writeTextFileSync(path, line + "\n", { append: true });
      },
    }),
  ],
});
