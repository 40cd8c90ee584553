import { assertEquals } from "../../testing/assert.ts";
import { sqlite, tieredFunction } from "./ffi.ts";

Deno.test("a tiered function answers the same through its address and once compiled, and is compiled once", () => {
  const definition = { parameters: ["i64"], result: "i64" } as const;
  let binds = 0;
  let boundFn: unknown;
  const labs = tieredFunction<(n: bigint) => bigint>(
    "libc.so.6",
    "labs",
    definition,
    () => {
      binds++;
      return Deno.dlopen("libc.so.6", { labs: definition }).symbols.labs;
    },
    (fn) => boundFn = fn,
  );
  for (let i = 0; i < 1000; i++) assertEquals(Number(labs(BigInt(-i))), i);
  assertEquals(binds, 1);
  assertEquals(typeof boundFn, "function");
});

Deno.test("SQLite's symbols keep working past the point where they are compiled", () => {
  const s = sqlite();
  const first = Number(s.sqlite3_complete(new TextEncoder().encode("select 1;\0")));
  for (let i = 0; i < 600; i++) {
    assertEquals(Number(s.sqlite3_complete(new TextEncoder().encode("select 1;\0"))), first);
  }
  assertEquals(first, 1);
});
