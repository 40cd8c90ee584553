import { listPids, pidsToScan, selectPids } from "./_pids.ts";
import { OP, QueryContext } from "../../core/table.ts";
import { assertEquals } from "../../testing/assert.ts";
import { testdata } from "../../testing/table_engine.ts";

const PROC = testdata("processes", "proc");

Deno.test("_pids: listPids returns numeric directories only, ascending", () => {
  assertEquals(listPids(PROC), [1, 42, 77, 78, 79, 80]);
  assertEquals(listPids(PROC + "/missing"), []);
});

Deno.test("_pids: selectPids keeps constrained pids that exist and drops junk", () => {
  assertEquals(selectPids([42, 1, 42, 999, -3, 0], PROC), [1, 42]);
  assertEquals(selectPids(["80", "x", "1.5"], PROC), [80]);
  assertEquals(selectPids([], PROC), []);
});

Deno.test("_pids: pidsToScan lists every pid without a constraint and none for junk values", () => {
  const ctx = (value?: string | number) =>
    new QueryContext("t", value === undefined ? new Map() : new Map([["pid", [{ op: OP.EQUALS, value }]]]));
  assertEquals(pidsToScan(ctx(), PROC), [1, 42, 77, 78, 79, 80]);
  assertEquals(pidsToScan(ctx("abc"), PROC), []);
  assertEquals(pidsToScan(ctx("42"), PROC), [42]);
});
