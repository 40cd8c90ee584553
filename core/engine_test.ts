import { Engine } from "./engine.ts";
import { Registry } from "./registry.ts";
import { defineTable } from "./table.ts";
import { assertEquals, assertThrows } from "../testing/assert.ts";
import { SqliteError } from "./sqlite/database.ts";

function numbers(): Registry {
  const registry = new Registry();
  registry.addTable(defineTable({
    name: "numbers",
    description: "Two fixed rows.",
    aliases: ["digits"],
    columns: [{ name: "n", type: "INTEGER" }],
    generate: () => [{ n: 1 }, { n: 2 }],
  }));
  registry.addTable(defineTable({
    name: "letters",
    description: "One fixed row.",
    columns: [{ name: "l", type: "TEXT" }],
    generate: () => [{ l: "a" }],
  }));
  return registry;
}

Deno.test("a table is attached when a statement first names it: by name, alias, any case, schema prefix, in a join", () => {
  using engine = new Engine({ registry: numbers() });
  assertEquals(engine.query("select 1 as one"), [{ one: 1 }]);
  assertEquals(engine.query("select n from NUMBERS order by n"), [{ n: 1 }, { n: 2 }]);
  assertEquals(engine.query("select count(*) as c from digits"), [{ c: 2 }]);
  assertEquals(engine.query("select count(*) as c from main.letters, numbers"), [{ c: 2 }]);
});

Deno.test("tables a view reads are attached when the view is used", () => {
  using engine = new Engine({ registry: numbers() });
  engine.query("create view v as select l from letters");
  assertEquals(engine.query("select l from v"), [{ l: "a" }]);
});

Deno.test("PRAGMA table_info of a table no statement named yet lists its columns", () => {
  using engine = new Engine({ registry: numbers() });
  assertEquals(engine.query("pragma table_info(numbers)").map((r) => r.name), ["n"]);
  assertEquals(engine.query("select name from pragma_table_info('letters')"), [{ name: "l" }]);
});

Deno.test("an unknown table still fails with SQLite's 'no such table' error", () => {
  using engine = new Engine({ registry: numbers() });
  const err = assertThrows(() => engine.query("select * from nothing_here"), SqliteError);
  assertEquals(err.message, "no such table: nothing_here");
});

Deno.test("a table added or removed after the engine opened is served or gone at once", () => {
  const registry = numbers();
  using engine = new Engine({ registry });
  registry.addTable(defineTable({
    name: "later",
    description: "Added after the engine opened.",
    columns: [{ name: "x", type: "INTEGER" }],
    generate: () => [{ x: 7 }],
  }));
  assertEquals(engine.query("select x from later"), [{ x: 7 }]);
  registry.removeTable("later");
  assertThrows(() => engine.query("select x from later"), SqliteError, "no such table");
});

Deno.test("osquery's functions and collations are registered when a statement first uses one, replacing SQLite's own", () => {
  using engine = new Engine({ registry: numbers() });
  assertEquals(engine.query("select 1 as one"), [{ one: 1 }]);
  // osq's ceil returns an integer where SQLite's built-in returns a real.
  assertEquals(engine.query("select typeof(ceil(1.2)) as t"), [{ t: "integer" }]);
  assertEquals(engine.query("select regex_match('abc', 'b', 0) as r"), [{ r: "b" }]);
  const sorted = engine.query("select v from (select '1.10' as v union all select '1.9') order by v collate version");
  assertEquals(sorted.map((r) => r.v), ["1.9", "1.10"]);
});

Deno.test("a collation or a function listing first in a connection still finds osquery's", () => {
  {
    using engine = new Engine({ registry: numbers() });
    const sorted = engine.query("select v from (select '1.10' as v union all select '1.9') order by v collate version");
    assertEquals(sorted.map((r) => r.v), ["1.9", "1.10"]);
  }
  {
    using engine = new Engine({ registry: numbers() });
    assertEquals(engine.query("select name from pragma_function_list where name = 'regex_match'").length, 1);
  }
  {
    using engine = new Engine({ registry: numbers() });
    assertEquals(engine.query("pragma collation_list").filter((r) => r.name === "version_dpkg").length, 1);
  }
  {
    using engine = new Engine({ registry: numbers() });
    assertThrows(() => engine.query("select no_such_function(1)"), SqliteError, "no such function: no_such_function");
  }
});

Deno.test("a table another listener removes as it is added (--disable_tables) is not attached", () => {
  const registry = numbers();
  registry.onTableChange((event, table) => {
    if (event === "add" && table.name === "blocked") registry.removeTable(table.name);
  });
  using engine = new Engine({ registry });
  registry.addTable(defineTable({
    name: "blocked",
    description: "Removed by a switch as soon as it registers.",
    columns: [{ name: "x", type: "INTEGER" }],
    generate: () => [{ x: 1 }],
  }));
  assertThrows(() => engine.query("select x from blocked"), SqliteError, "no such table: blocked");
});
