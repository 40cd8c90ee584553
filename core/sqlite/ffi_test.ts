import { assertEquals } from "../../testing/assert.ts";
import { SQLITE, sqlite } from "./ffi.ts";

Deno.test("SQLite's symbols keep working past the point where they are compiled", () => {
  const s = sqlite();
  const first = Number(s.sqlite3_complete(new TextEncoder().encode("select 1;\0")));
  for (let i = 0; i < 600; i++) {
    assertEquals(Number(s.sqlite3_complete(new TextEncoder().encode("select 1;\0"))), first);
  }
  assertEquals(first, 1);
});

Deno.test("a per-row symbol stays the same function once compiled, so call sites keep one target", () => {
  const s = sqlite();
  const columnType = s.sqlite3_column_type;
  const step = s.sqlite3_step;
  // A null statement: SQLite answers NULL for its columns and MISUSE for a step, touching no memory.
  for (let i = 0; i < 600; i++) {
    assertEquals(s.sqlite3_column_type(0n, 0), SQLITE.NULL);
    assertEquals(s.sqlite3_step(0n), SQLITE.MISUSE);
  }
  assertEquals(s.sqlite3_column_type, columnType);
  assertEquals(s.sqlite3_step, step);
});
