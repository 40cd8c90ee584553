import { assert, assertEquals, assertStringIncludes, assertThrows } from "../testing/assert.ts";
import { defineTable } from "../core/table.ts";
import { DOCS_PATH, generateTableDocs, renderTableDocs } from "./gen_table_docs.ts";

Deno.test("docs/tables.md is up to date (regenerate with: deno run -A scripts/gen_table_docs.ts)", async () => {
  const expected = await generateTableDocs();
  let actual = "";
  try {
    actual = await Deno.readTextFile(DOCS_PATH);
  } catch {
    // Missing reads as stale below.
  }
  assert(
    actual === expected,
    "docs/tables.md is stale: a table spec or tables/differences.ts changed. Run: deno run -A scripts/gen_table_docs.ts",
  );
});

const demo = defineTable({
  name: "demo",
  description: "A demo table.",
  aliases: ["demo_alias"],
  attributes: { cacheable: true },
  columns: [
    { name: "path", type: "TEXT", required: true, index: true, description: "A path | with a bar." },
    { name: "directory", type: "TEXT", required: true },
    { name: "size", type: "BIGINT", hidden: true },
  ],
  generate: () => [],
});

Deno.test("renderTableDocs: columns, types, required columns and the differences with their reasons", () => {
  const text = renderTableDocs([demo], { demo: [{ what: "osq keeps X; osquery drops it.", why: "X matters." }] });
  assertStringIncludes(text, "## demo");
  assertStringIncludes(text, "- [demo](#demo) †");
  assertStringIncludes(text, "Also answers to `demo_alias`. Attributes: cacheable.");
  assertStringIncludes(text, "A query must constrain `path` or `directory` (with =, IN or LIKE).");
  assertStringIncludes(text, "| `path` | TEXT | required, index | A path \\| with a bar. |");
  assertStringIncludes(text, "| `size` | BIGINT | hidden |  |");
  assertStringIncludes(text, "**Differences from osquery**\n\n- osq keeps X; osquery drops it. X matters.");
});

Deno.test("renderTableDocs: a difference for a table that does not exist is an error", () => {
  assertThrows(() => renderTableDocs([demo], { nosuch: [{ what: "a", why: "b" }] }), Error, "nosuch");
});

Deno.test("every table in tables/differences.ts has its note in docs/tables.md", async () => {
  const { DIFFERENCES } = await import("../tables/differences.ts");
  const text = await Deno.readTextFile(DOCS_PATH);
  for (const name of Object.keys(DIFFERENCES)) {
    const section = text.slice(text.indexOf(`## ${name}\n`));
    assertEquals(section.startsWith(`## ${name}\n`), true, `no section for ${name}`);
    const next = section.indexOf("\n## ", 3);
    assertStringIncludes(next < 0 ? section : section.slice(0, next), "**Differences from osquery**");
  }
});
