// Imports only the engine without its parts: this test file's process starts with none loaded.
import { Engine, EnginePartsError, enginePartsLoaded, loadEngineParts, needsEngineParts } from "./engine_core.ts";
import { Registry } from "./registry.ts";
import { defineTable } from "./table.ts";
import { assert, assertEquals, assertThrows } from "../testing/assert.ts";

Deno.test("needsEngineParts is false only for statements of keywords, literals and operators", () => {
  for (
    const sql of [
      "select 1",
      "SELECT 1 UNION ALL SELECT 2",
      "select 'a' || 'b', 2 * 3 limit 1",
      "select null is not null",
    ]
  ) {
    assertEquals(needsEngineParts(sql), false, sql);
  }
  for (
    const sql of [
      "select upper('a')",
      "select * from processes",
      "select 1 as one",
      "select 'x' regexp 'x'",
      "select 'a' like 'a'",
      "select 1 collate nocase",
      "pragma function_list",
      "create virtual table t using processes",
    ]
  ) {
    assertEquals(needsEngineParts(sql), true, sql);
  }
});

Deno.test("an engine without its parts runs plain SQL, names what is missing otherwise, and serves tables once loaded", async () => {
  const registry = new Registry();
  registry.addTable(defineTable({
    name: "numbers",
    description: "Two fixed rows.",
    columns: [{ name: "n", type: "INTEGER" }],
    generate: () => [{ n: 1 }, { n: 2 }],
  }));
  using engine = new Engine({ registry });
  assert(!enginePartsLoaded(), "no module of this test loads the parts");
  assertEquals(engine.query("select 1 as one"), [{ one: 1 }]);
  assertThrows(() => engine.query("select upper('a') as u"), EnginePartsError, "loadEngineParts");
  assertThrows(() => engine.query("select n from numbers"), EnginePartsError, "loadEngineParts");
  engine.cancel();
  assertEquals(engine.cancelFlag[0], 1);
  engine.resetCancel();
  await loadEngineParts();
  assertEquals(engine.query("select upper('a') as u"), [{ u: "A" }]);
  assertEquals(engine.query("select sum(n) as s from numbers"), [{ s: 3 }]);
});
