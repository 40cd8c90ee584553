import { Engine } from "../engine.ts";
import { Registry } from "../registry.ts";
import { EventSubscriber, eventTableRows } from "../events/system.ts";
import { flags } from "../flags/flags.ts";
import { assertEquals } from "../../testing/assert.ts";
import { beginStatement, oncePerStatement } from "./statement_scope.ts";

Deno.test("statement scope: a key is reported once until the next statement begins", () => {
  beginStatement();
  assertEquals([oncePerStatement("a"), oncePerStatement("a"), oncePerStatement("b")], [true, false, true]);
  beginStatement();
  assertEquals(oncePerStatement("a"), true);
});

Deno.test("statement scope: 'events are disabled' is printed once per statement, not once per scan", () => {
  const subscriber = new EventSubscriber("scope_events", "scope_publisher");
  const registry = new Registry();
  registry.addTable({
    name: "outer_rows",
    description: "Fifty rows to drive a nested-loop join.",
    columns: [{ name: "n", type: "INTEGER" }],
    generate: () => Array.from({ length: 50 }, (_, n) => ({ n })),
  });
  registry.addTable({
    name: "scope_events",
    description: "An event table with no events.",
    columns: [{ name: "n", type: "INTEGER" }, { name: "time", type: "BIGINT" }],
    event: true,
    generate: (ctx) => eventTableRows(subscriber, ctx),
  });
  const engine = new Engine({ registry });
  const previous = flags.get("disable_events");
  flags.set("disable_events", true);
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    // CROSS JOIN keeps the event table inner: it is scanned once per outer row.
    engine.query("select count(*) from outer_rows o cross join scope_events e on e.n = o.n");
    assertEquals(lines.filter((l) => l.includes("scope_events is event-based")).length, 1);
    engine.query("select count(*) from scope_events; select count(*) from outer_rows o cross join scope_events e");
    assertEquals(lines.filter((l) => l.includes("scope_events is event-based")).length, 3);
  } finally {
    console.error = original;
    flags.set("disable_events", previous);
    engine.close();
  }
});
