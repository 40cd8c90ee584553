import { assertEquals, assertThrows } from "../../testing/assert.ts";
import { tiered, tieredFunction } from "./tiered_ffi.ts";

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

Deno.test("a two-tier function looks nothing up before its first call, answers the same in both tiers and compiles once", () => {
  const definition = { parameters: ["i64"], result: "i64" } as const;
  let binds = 0;
  const labs = tiered<(n: bigint) => bigint>("libc.so.6", "labs", definition, () => {
    binds++;
    return Deno.dlopen("libc.so.6", { labs: definition }).symbols.labs;
  });
  assertEquals(labs.compiled, undefined);
  const call = (n: bigint): bigint => labs.compiled ? labs.compiled(n) : labs.address(n);
  for (let i = 0; i < 1000; i++) assertEquals(Number(call(BigInt(-i))), i);
  assertEquals(binds, 1);
  assertEquals(typeof labs.compiled, "function");
  // The address tier still answers (a caller that read `compiled` before it was set).
  assertEquals(Number(labs.address(-7n)), 7);
  assertEquals(binds, 1);
});

Deno.test("a two-tier function missing from the library fails on its first call, naming the symbol", () => {
  const definition = { parameters: [], result: "i32" } as const;
  const missing = tiered<() => number>(
    "libc.so.6",
    "osq_no_such_function",
    definition,
    () => Deno.dlopen("libc.so.6", { osq_no_such_function: definition }).symbols.osq_no_such_function,
  );
  assertThrows(() => missing.address(), Error, "osq_no_such_function");
});
