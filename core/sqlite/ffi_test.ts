import { assertEquals } from "../../testing/assert.ts";
import { readSqliteText, readText, SQLITE, sqlite } from "./ffi.ts";

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
