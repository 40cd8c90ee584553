import { inferColumnTypes, type Instruction } from "./column_types.ts";
import { Engine } from "../engine.ts";
import { Registry } from "../registry.ts";
import { assertEquals } from "../../testing/assert.ts";

const ins = (opcode: string, p1 = 0, p2 = 0, p3 = 0): Instruction => ({ opcode, p1, p2, p3 });

Deno.test("column types: registers typed by constants and arithmetic give their type to the result columns", () => {
  const program = [ins("Integer", 1, 3), ins("String8", 0, 4), ins("Add", 1, 2, 5), ins("ResultRow", 3, 3)];
  assertEquals(inferColumnTypes(program, ["UNKNOWN", "UNKNOWN", "UNKNOWN"]), ["INTEGER", "TEXT", "BIGINT"]);
});

Deno.test("column types: Copy moves a register's type and Cast sets the cast's type", () => {
  const program = [ins("Integer", 7, 1), ins("Copy", 1, 8, 0), ins("Cast", 9, 0x45), ins("ResultRow", 8, 2)];
  assertEquals(inferColumnTypes(program, ["UNKNOWN", "UNKNOWN"]), ["INTEGER", "DOUBLE"]);
});

Deno.test("column types: registers below the result row and unknown opcodes leave columns as they were", () => {
  const program = [ins("Integer", 1, 1), ins("Real", 0, 5), ins("ResultRow", 5, 2)];
  assertEquals(inferColumnTypes(program, ["UNKNOWN", "TEXT"]), ["UNKNOWN", "TEXT"]);
});

Deno.test("column types: the engine reports expression types as osquery infers them", () => {
  const registry = new Registry();
  registry.addTable({
    name: "t",
    description: "A table.",
    columns: [{ name: "id", type: "BIGINT" }, { name: "name", type: "TEXT" }],
    generate: () => [],
  });
  const engine = new Engine({ registry });
  const columns = engine.columns(
    "select count(*) c, id + 1 n, name || 'x' s, id = 2 b, cast(id as text) ct, 1.5 r, id, name from t",
  );
  assertEquals(columns.map((c) => c.type), [
    "BIGINT",
    "BIGINT",
    "TEXT",
    "INTEGER",
    "TEXT",
    "UNKNOWN",
    "BIGINT",
    "TEXT",
  ]);
});
