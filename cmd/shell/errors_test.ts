import { assertEquals } from "../../testing/assert.ts";
import { Registry } from "../../core/registry.ts";
import { explainError, tablesNamedIn } from "./errors.ts";

const registry = new Registry();
registry.addTable({
  name: "processes",
  description: "Processes for error tests.",
  columns: [
    { name: "pid", type: "BIGINT" },
    { name: "name", type: "TEXT" },
    { name: "secret", type: "TEXT", hidden: true },
  ],
  generate: () => [],
});
registry.addTable({
  name: "file",
  description: "Files for error tests.",
  columns: [
    { name: "path", type: "TEXT", required: true },
    { name: "directory", type: "TEXT", required: true },
    { name: "size", type: "BIGINT" },
  ],
  generate: () => [],
});

Deno.test("errors: tablesNamedIn finds tables after FROM, JOIN and commas, skipping aliases and subqueries", () => {
  assertEquals(tablesNamedIn("select * from processes p join file f on p.x = f.y"), ["processes", "file"]);
  assertEquals(tablesNamedIn("SELECT * FROM processes AS p, file WHERE 'from x' = ''"), ["processes", "file"]);
  assertEquals(tablesNamedIn('select * from (select 1) join "file"'), ["file"]);
});

Deno.test("errors: a typo'd table name suggests the closest table", () => {
  assertEquals(
    explainError("no such table: proceses", "select * from proceses", registry),
    "no such table: proceses (did you mean processes?)",
  );
  assertEquals(explainError("no such table: zzzzzzzz", "select * from zzzzzzzz", registry), "no such table: zzzzzzzz");
});

Deno.test("errors: a typo'd column lists the visible columns of the statement's tables", () => {
  assertEquals(
    explainError("no such column: nme", "select nme from processes", registry),
    "no such column: nme (did you mean name? processes has pid, name)",
  );
});

Deno.test("errors: a missing required column names the columns to constrain", () => {
  assertEquals(
    explainError(
      "Table file was queried without a required column in the WHERE clause",
      "select * from file",
      registry,
    ),
    "Table file was queried without a required column in the WHERE clause (add a constraint on path or directory, e.g. WHERE path = '...')",
  );
});

Deno.test("errors: other messages pass unchanged", () => {
  assertEquals(explainError('near "selec": syntax error', "selec 1", registry), 'near "selec": syntax error');
});
