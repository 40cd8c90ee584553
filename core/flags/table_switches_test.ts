import { Engine } from "../engine.ts";
import { Registry } from "../registry.ts";
import { SqliteError } from "../sqlite/database.ts";
import type { TableSpec } from "../table.ts";
import { applyTableSwitches, tableDisabled } from "./table_switches.ts";
import { assertEquals, assertThrows } from "../../testing/assert.ts";

function table(name: string): TableSpec {
  return {
    name,
    description: name,
    columns: [{ name: "x", type: "INTEGER" }],
    *generate() {
      yield { x: 1 };
    },
  };
}

Deno.test("table switches: osquery's rules for --disable_tables and --enable_tables", () => {
  const none = tableDisabled({});
  assertEquals(none("time"), false);
  const off = tableDisabled({ disable: "time,users" });
  assertEquals([off("time"), off("users"), off("uptime")], [true, true, false]);
  const only = tableDisabled({ enable: "time,users" });
  assertEquals([only("time"), only("uptime")], [false, true]);
  // Disabling wins over enabling.
  const both = tableDisabled({ disable: "time", enable: "time,users" });
  assertEquals([both("time"), both("users"), both("uptime")], [true, false, true]);
  // An empty but set --enable_tables enables nothing.
  assertEquals(tableDisabled({ enable: "" })("time"), true);
});

Deno.test("table switches: a disabled table is gone from the engine, also when it registers later", () => {
  const registry = new Registry();
  for (const name of ["time", "users", "uptime"]) registry.addTable(table(name));
  const engine = new Engine({ registry });
  try {
    assertEquals(applyTableSwitches(registry, { disable: "users", enable: "time,users,late" }), ["uptime", "users"]);
    assertEquals(engine.query("select x from time"), [{ x: 1 }]);
    assertThrows(() => engine.query("select x from users"), SqliteError, "no such table");
    assertThrows(() => engine.query("select x from uptime"), SqliteError, "no such table");
    registry.addTable(table("late"));
    registry.addTable(table("other"));
    assertEquals(engine.query("select x from late"), [{ x: 1 }]);
    assertThrows(() => engine.query("select x from other"), SqliteError, "no such table");
  } finally {
    engine.close();
  }
});
