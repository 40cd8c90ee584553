import { assertEquals } from "../../testing/assert.ts";
import { defineTable, QueryContext } from "../table.ts";
import { contextFromJson, contextToJson } from "./context.ts";
import { parseTableRoutes, tableRoutes } from "./routes.ts";

const spec = defineTable({
  name: "t",
  description: "",
  columns: [
    { name: "zeta", type: "TEXT" },
    { name: "alpha", type: "UNSIGNED_BIGINT" },
    ...Array.from({ length: 64 }, (_, i) => ({ name: `c${String(i).padStart(2, "0")}`, type: "INTEGER" as const })),
  ],
  generate: () => [],
});

Deno.test("context: columns are sorted by name with affinities; bit 63 survives as a uint64", () => {
  const ctx = new QueryContext("t", new Map([["alpha", [{ op: 2, value: 5 }, { op: 65, value: "x%" }]]]));
  const json = contextToJson(spec, ctx);
  const doc = JSON.parse(json);
  assertEquals(doc.constraints[0], {
    name: "alpha",
    list: [{ op: 2, expr: "5" }, { op: 65, expr: "x%" }],
    affinity: "UNSIGNED BIGINT",
  });
  assertEquals(doc.constraints.at(-1).name, "zeta");
  assertEquals(doc.constraints.length, 66);
  assertEquals(doc.colsUsed.length, 66);
  // Every column used: bits 0..62 plus bit 63 for the rest, written exactly.
  assertEquals(/"colsUsedBitset":(\d+)}$/.exec(json)![1], ((1n << 64n) - 1n).toString());
});

Deno.test("context: used columns map to their positions", () => {
  const json = contextToJson(spec, new QueryContext("t", new Map(), new Set(["alpha", "c00"])));
  const doc = JSON.parse(json);
  assertEquals(doc.colsUsed, ["alpha", "c00"]);
  assertEquals(doc.colsUsedBitset, 0b110);
});

Deno.test("context: the extension side reads constraints back and tolerates junk", () => {
  const ctx = contextFromJson(
    "t",
    JSON.stringify({
      constraints: [{ name: "a", list: [{ op: 2, expr: "1" }, { op: "bad" }] }, { name: "b", list: [] }, 7],
      colsUsed: ["a", 3],
    }),
  );
  assertEquals(ctx.equals("a"), ["1"]);
  assertEquals(ctx.integerEquals("a"), [1]);
  assertEquals(ctx.hasConstraint("b"), false);
  assertEquals(ctx.isUsed("a"), true);
  assertEquals(ctx.isUsed("b"), false);
  assertEquals(contextFromJson("t", "{oops").isUsed("anything"), true);
});

Deno.test("routes: options, aliases and attributes round-trip; default index promotes plain columns", () => {
  const routes = tableRoutes(defineTable({
    name: "r",
    description: "",
    aliases: ["r2"],
    attributes: { cacheable: true, event_subscriber: true },
    columns: [
      { name: "p", type: "BIGINT" },
      { name: "q", type: "TEXT", required: true, optimized: true, collate: "version_dpkg", aliases: ["qq"] },
      { name: "h", type: "BLOB", hidden: true },
    ],
    generate: () => [],
  }));
  assertEquals(routes.find((r) => r.name === "q")?.op, String(2 | 8 | 1024));
  const parsed = parseTableRoutes(routes, true);
  assertEquals(parsed.columns, [
    { name: "p", type: "BIGINT", index: true },
    { name: "q", type: "TEXT", required: true, optimized: true, collate: "version_dpkg", aliases: ["qq"] },
    { name: "h", type: "BLOB", hidden: true },
  ]);
  assertEquals(parsed.aliases, ["r2"]);
  assertEquals(parsed.attributes, { cacheable: true, event_subscriber: true });
  assertEquals(parseTableRoutes(routes, false).columns[0], { name: "p", type: "BIGINT" });
  assertEquals(parseTableRoutes([{ id: "column", name: "x", type: "WEIRD", op: "junk" }], false).columns, [
    { name: "x", type: "TEXT" },
  ]);
});
