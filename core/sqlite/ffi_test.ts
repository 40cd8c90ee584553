import { assert, assertEquals } from "../../testing/assert.ts";
import { readSqliteText, readText, SQLITE, sqlite, sqliteLibraryPath } from "./ffi.ts";
import { Database } from "./database.ts";

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

Deno.test("SQLite's NUL-terminated texts read as TextDecoder reads their bytes: ASCII, UTF-8, bad UTF-8, inner NUL", () => {
  const cases: number[][] = [
    [...new TextEncoder().encode("/tmp/d1/f2")],
    [...new TextEncoder().encode("naïve € 😀")],
    [0xff, 0xfe, 0x41],
    [0xe2, 0x82],
    [0x61, 0x00, 0x62],
    [],
  ];
  for (const bytes of cases) {
    const buffer = new Uint8Array([...bytes, 0]);
    const address = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
    const expected = new TextDecoder().decode(new Uint8Array(bytes));
    assertEquals(readSqliteText(address, bytes.length), expected);
    assertEquals(readText(address, bytes.length), expected);
  }
});

Deno.test("readText reads exactly the counted bytes of a text with no NUL after it, short or long", () => {
  for (const length of [5, 100_000]) {
    const buffer = new Uint8Array(length + 3).fill(0x78);
    const address = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
    assertEquals(readText(address, length), "x".repeat(length));
  }
});

Deno.test("SQLite keeps no memory statistics in osq's processes on Linux, so its allocations take no global mutex", () => {
  const db = new Database(":memory:");
  db.exec(
    "create table t(x); with recursive c(i) as (select 1 union all select i + 1 from c where i < 1000) insert into t select i from c",
  );
  // The same library, opened again, shares SQLite's globals: its count of bytes in use stays 0
  // when statistics are off, and counts every allocation when they are on (kept elsewhere).
  const lib = Deno.dlopen(sqliteLibraryPath()!, { sqlite3_memory_used: { parameters: [], result: "i64" } });
  try {
    const used = lib.symbols.sqlite3_memory_used() as bigint;
    if (Deno.build.os === "linux") assertEquals(used, 0n);
    else assert(used > 0n, "statistics are kept off Linux");
  } finally {
    lib.close();
    db.close();
  }
});
