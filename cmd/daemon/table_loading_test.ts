import { assertEquals } from "../../testing/assert.ts";
import { Registry } from "../../core/registry.ts";
import { defineTable, type TableSpec } from "../../core/table.ts";
import { loadEventTables, loadTablesForConfig } from "./table_loading.ts";

/** A registry of lazily registered tables that records which modules were loaded. */
function lazyRegistry(names: string[], eventNames: string[] = []): { registry: Registry; loaded: string[] } {
  const registry = new Registry();
  const loaded: string[] = [];
  for (const name of [...names, ...eventNames]) {
    const spec: TableSpec = defineTable({
      name,
      description: `The ${name} table.`,
      event: eventNames.includes(name) || undefined,
      columns: [{ name: "x", type: "INTEGER" }],
      generate: () => [{ x: 1 }],
    });
    const { generate: _generate, ...schema } = spec;
    registry.addLazyTable(schema, () => {
      loaded.push(name);
      registry.resolveLazyTable(spec);
      return Promise.resolve();
    });
  }
  return { registry, loaded };
}

Deno.test("the daemon loads the tables a config's queries, decorators, discovery and views name, and only those", async () => {
  const { registry, loaded } = lazyRegistry(["alpha", "beta", "gamma", "delta", "unused"]);
  const config = {
    schedule: new Map([["q1", { query: "SELECT * FROM alpha", interval: 10 }]]),
    packs: [{ discovery: ["select 1 from BETA"], queries: [{ query: "select x from gamma" }] }],
    views: [["v", "select * from delta"]],
    decorators: { load: ["select 'unused' as s"] },
  };
  await loadTablesForConfig(registry, config);
  assertEquals(loaded.sort(), ["alpha", "beta", "delta", "gamma"]);
});

Deno.test("the daemon loads every event table up front", async () => {
  const { registry, loaded } = lazyRegistry(["plain"], ["one_events", "two_events"]);
  await loadEventTables(registry);
  assertEquals(loaded.sort(), ["one_events", "two_events"]);
});
