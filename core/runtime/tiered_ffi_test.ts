import { assertEquals } from "../../testing/assert.ts";
import { tieredFunction } from "./tiered_ffi.ts";

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
