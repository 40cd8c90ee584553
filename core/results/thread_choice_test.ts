import { assertEquals } from "../../testing/assert.ts";
import "../../tables/catalogue.ts";
import { Engine } from "../engine.ts";
import { defineTable } from "../table.ts";
import { registry } from "../registry.ts";
import { QueryReferences, readsEventTable, readsExtensionTable, runsOnMainThread } from "./thread_choice.ts";

Deno.test("runsOnMainThread follows the tables' thread attribute, through aliases and views, not the SQL text", () => {
  const engine = new Engine();
  engine.query("CREATE VIEW recent_changes AS SELECT target_path FROM file_events");
  // No store the query threads can open (the shell, --disable_database): events are read here.
  const eventsHere = () => false;
  const cases: [string, boolean][] = [
    ["SELECT * FROM file_events", true],
    ["SELECT f.action FROM file_events AS f JOIN time", true],
    ["SELECT * FROM recent_changes", true],
    ["SELECT (SELECT count(*) FROM hardware_events) AS n FROM time", true],
    ["SELECT * FROM syslog", true],
    ["SELECT * FROM carves", true],
    ["SELECT * FROM time", false],
    ["SELECT 'file_events' AS name FROM time", false],
    // The event system's own state lives here.
    ["SELECT * FROM osquery_events", true],
  ];
  for (const [sql, expected] of cases) assertEquals(runsOnMainThread(engine, sql, eventsHere), expected, sql);
  engine.close();
});

Deno.test("runsOnMainThread: event tables the query threads can read from the store run on any thread", () => {
  const engine = new Engine();
  engine.query("CREATE VIEW recent_changes AS SELECT target_path FROM file_events");
  const asked: string[] = [];
  // The daemon's store holds file_events and syslog_events; hardware_events' subscriber failed to load.
  const onThreads = (name: string) => (asked.push(name), name === "file_events" || name === "syslog_events");
  const cases: [string, boolean][] = [
    ["SELECT * FROM file_events", false],
    ["SELECT * FROM recent_changes", false],
    ["SELECT * FROM syslog", false],
    ["SELECT * FROM hardware_events", true],
    ["SELECT * FROM file_events JOIN carves", true],
    // yara_events keeps its state here (its spec says so) whatever the store holds.
    ["SELECT * FROM yara_events", true],
  ];
  for (const [sql, expected] of cases) assertEquals(runsOnMainThread(engine, sql, onThreads), expected, sql);
  // Asked by table name, aliases resolved.
  assertEquals(asked.includes("syslog"), false);
  // The daemon's own answer before its events start: read here.
  assertEquals(runsOnMainThread(engine, "SELECT * FROM file_events"), true);
  engine.close();
});

Deno.test("readsEventTable: event tables directly, through views and aliases; not carves or a column named like one", () => {
  const engine = new Engine();
  engine.query("CREATE VIEW recent_changes AS SELECT target_path FROM file_events");
  const cases: [string, boolean][] = [
    ["SELECT * FROM file_events", true],
    ["SELECT * FROM recent_changes", true],
    ["SELECT * FROM syslog", true],
    ["SELECT * FROM carves", false],
    ["SELECT 'file_events' AS file_events FROM time", false],
    ["SELECT * FROM osquery_events", false],
  ];
  for (const [sql, expected] of cases) assertEquals(readsEventTable(engine, sql), expected, sql);
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

Deno.test("readsExtensionTable: a table an extension registered, read directly or through a view, not a column of the same name", () => {
  const table = defineTable({
    name: "probe_extension_table",
    description: "a table an extension registered",
    columns: [{ name: "x", type: "INTEGER" }],
    generate: () => [{ x: 1 }],
  });
  registry.addTable(table, "probe_extension");
  const engine = new Engine();
  try {
    engine.query("CREATE VIEW probe_extension_view AS SELECT x FROM probe_extension_table");
    assertEquals(readsExtensionTable(engine, "SELECT * FROM probe_extension_table"), true);
    assertEquals(readsExtensionTable(engine, "SELECT * FROM probe_extension_view"), true);
    assertEquals(
      readsExtensionTable(engine, "SELECT 'probe_extension_table' AS probe_extension_table FROM time"),
      false,
    );
    assertEquals(readsExtensionTable(engine, "SELECT * FROM time"), false);
  } finally {
    engine.close();
    registry.removeTable("probe_extension_table");
  }
});

Deno.test("QueryReferences prepares a query once, again after a table comes or goes or the views change, and keeps a bounded number", () => {
  const engine = new Engine();
  const prepared: string[] = [];
  const counting = {
    registry: engine.registry,
    references: (sql: string) => (prepared.push(sql), engine.references(sql)),
  };
  const references = new QueryReferences(counting, 2);
  try {
    const sql = "SELECT * FROM probe_cached_table";
    // Not there yet: the query names no table the engine knows.
    assertEquals(readsExtensionTable(references, sql), false);
    assertEquals(readsExtensionTable(references, sql), false);
    assertEquals(prepared.length, 1);
    // An extension registers the table: the answer changes at once.
    registry.addTable(
      defineTable({
        name: "probe_cached_table",
        description: "a table an extension registered after the first run",
        columns: [{ name: "x", type: "INTEGER" }],
        generate: () => [{ x: 1 }],
      }),
      "probe_extension",
    );
    assertEquals(readsExtensionTable(references, sql), true);
    assertEquals(readsEventTable(references, sql), false);
    assertEquals(prepared.length, 2);
    // A view's text changes only through the config: the daemon clears the answers then.
    engine.query("CREATE VIEW probe_cached_view AS SELECT * FROM time");
    assertEquals(readsEventTable(references, "SELECT * FROM probe_cached_view"), false);
    engine.query("DROP VIEW probe_cached_view");
    engine.query("CREATE VIEW probe_cached_view AS SELECT * FROM file_events");
    references.clear();
    assertEquals(readsEventTable(references, "SELECT * FROM probe_cached_view"), true);
    // Bounded: a third text drops the oldest.
    prepared.length = 0;
    readsEventTable(references, "SELECT 1");
    readsEventTable(references, "SELECT 2");
    readsEventTable(references, "SELECT 1");
    readsEventTable(references, "SELECT * FROM probe_cached_view");
    assertEquals(prepared, ["SELECT 1", "SELECT 2", "SELECT * FROM probe_cached_view"]);
  } finally {
    references.close();
    engine.close();
    registry.removeTable("probe_cached_table");
  }
});
