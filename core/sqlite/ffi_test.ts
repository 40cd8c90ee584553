import { assertEquals } from "../../testing/assert.ts";
import { sqlite } from "./ffi.ts";

Deno.test("SQLite's symbols keep working past the point where they are compiled", () => {
  const s = sqlite();
  const first = Number(s.sqlite3_complete(new TextEncoder().encode("select 1;\0")));
  for (let i = 0; i < 600; i++) {
    assertEquals(Number(s.sqlite3_complete(new TextEncoder().encode("select 1;\0"))), first);
  }
  assertEquals(first, 1);
});
