import { assertEquals } from "../../testing/assert.ts";
import "../../tables/catalogue.ts";
import { Engine } from "../../core/engine.ts";
import { defineTable } from "../../core/table.ts";
import { registry } from "../../core/registry.ts";
import { runCanonical, runsOnMainThread } from "./canonical.ts";

Deno.test("runsOnMainThread follows the tables' thread attribute, through aliases and views, not the SQL text", () => {
  const engine = new Engine();
  engine.query("CREATE VIEW recent_changes AS SELECT target_path FROM file_events");
  const cases: [string, boolean][] = [
    ["SELECT * FROM file_events", true],
    ["SELECT f.action FROM file_events AS f JOIN time", true],
    ["SELECT * FROM recent_changes", true],
    ["SELECT (SELECT count(*) FROM hardware_events) AS n FROM time", true],
    ["SELECT * FROM carves", true],
    ["SELECT * FROM time", false],
    ["SELECT 'file_events' AS name FROM time", false],
    ["SELECT * FROM osquery_events", false],
  ];
  for (const [sql, expected] of cases) assertEquals(runsOnMainThread(engine, sql), expected, sql);
  engine.close();
});

Deno.test("runsOnMainThread: a table named *_events without the attribute runs on any thread", () => {
  const table = defineTable({
    name: "probe_thread_events",
    description: "an ordinary table whose name ends in _events",
    columns: [{ name: "x", type: "INTEGER" }],
    generate: () => [{ x: 1 }],
  });
  registry.addTable(table);
  const engine = new Engine();
  try {
    assertEquals(runsOnMainThread(engine, "SELECT * FROM probe_thread_events"), false);
  } finally {
    engine.close();
    registry.removeTable("probe_thread_events");
  }
});

Deno.test("runCanonical renders each storage class as osquery's typed rows do", () => {
  const engine = new Engine();
  try {
    const { rows, size } = runCanonical(
      engine,
      "SELECT 1 AS i, 9007199254740993 AS big, 2.5 AS d, 3.0 AS e, 'plain' AS t, 'é\u0001' || char(0) || 'x' AS u, " +
        "NULL AS n, x'6869' AS b",
    );
    assertEquals(rows, [
      '{"b":"hi","big":9007199254740993,"d":2.5,"e":3.0,"i":1,"n":"","t":"plain","u":"é\\\\x01\\\\x00x"}',
    ]);
    assertEquals(size, rows[0].length);
  } finally {
    engine.close();
  }
});
