/**
 * Every registered table must match osquery's schema in testdata/reference/osquery-tables.json
 * (scripts/gen_reference.ts regenerates it from osquery's specs):
 * same name, columns in the same order with the same types and options, aliases and attributes.
 */
import "./catalogue.ts";
import { registry } from "../core/registry.ts";
import type { ColumnSpec, TableSpec } from "../core/table.ts";
import { assertEquals } from "../testing/assert.ts";

interface ReferenceColumn {
  name: string;
  type: string;
  required?: boolean;
  index?: boolean;
  additional?: boolean;
  optimized?: boolean;
  hidden?: boolean;
  hidden_on_linux?: boolean;
  collate?: string;
  aliases?: string[];
}
interface ReferenceTable {
  name: string;
  aliases: string[];
  attributes: Record<string, boolean>;
  columns: ReferenceColumn[];
}

const referencePath = new URL("../testdata/reference/osquery-tables.json", import.meta.url);
const reference: ReferenceTable[] = JSON.parse(Deno.readTextFileSync(referencePath)).tables;
const byName = new Map(reference.map((t) => [t.name, t]));

/**
 * Tables osq adds beyond osquery 5's Linux set (none may shadow an osquery name with another schema):
 * opera_extensions is osquery 4's table, kept so packs that query it still run.
 */
const OSQ_ONLY = new Set<string>(["opera_extensions"]);

function normalizeColumn(c: ColumnSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { name: c.name, type: c.type };
  if (c.required) out.required = true;
  if (c.index) out.index = true;
  if (c.additional) out.additional = true;
  if (c.optimized) out.optimized = true;
  if (c.hidden) out.hidden = true;
  if (c.linuxHidden) out.hidden_on_linux = true;
  if (c.collate) out.collate = c.collate;
  if (c.aliases?.length) out.aliases = c.aliases;
  return out;
}

function normalizeReference(c: ReferenceColumn): Record<string, unknown> {
  const out: Record<string, unknown> = { name: c.name, type: c.type.replace(" ", "_") };
  for (const key of ["required", "index", "additional", "optimized", "hidden", "hidden_on_linux"] as const) {
    if (c[key]) out[key] = true;
  }
  if (c.collate) out.collate = c.collate;
  if (c.aliases?.length) out.aliases = c.aliases;
  return out;
}

function attributesOf(t: TableSpec): Record<string, boolean> {
  return Object.fromEntries(Object.entries(t.attributes ?? {}).filter(([, v]) => v));
}

const tables = registry.tables();

function differences(table: TableSpec): string[] {
  const ref = byName.get(table.name);
  if (!ref) return [`${table.name}: not one of osquery's Linux tables`];
  const problems: string[] = [];
  const ours = table.columns.map(normalizeColumn);
  const theirs = ref.columns.map(normalizeReference);
  const width = Math.max(ours.length, theirs.length);
  for (let i = 0; i < width; i++) {
    const a = JSON.stringify(ours[i] ?? null);
    const b = JSON.stringify(theirs[i] ?? null);
    if (a !== b) problems.push(`${table.name}: column ${i}: ours ${a}, osquery's ${b}`);
  }
  const aliases = JSON.stringify([...(table.aliases ?? [])].sort());
  if (aliases !== JSON.stringify([...ref.aliases].sort())) {
    problems.push(`${table.name}: aliases ${aliases}, osquery's ${JSON.stringify(ref.aliases)}`);
  }
  const attributes = JSON.stringify(attributesOf(table));
  if (attributes !== JSON.stringify(ref.attributes)) {
    problems.push(`${table.name}: attributes ${attributes}, osquery's ${JSON.stringify(ref.attributes)}`);
  }
  if (!table.description || table.description.length < 10) problems.push(`${table.name}: needs a description`);
  return problems;
}

Deno.test(`conformance: ${tables.length} registered tables match osquery's Linux schemas`, () => {
  const problems = tables.filter((t) => !OSQ_ONLY.has(t.name)).flatMap(differences);
  assertEquals(problems, [], `schema differences:\n${problems.join("\n")}`);
  const covered = tables.filter((t) => byName.has(t.name)).length;
  console.log(`conformance: ${covered} of ${reference.length} osquery Linux tables registered`);
});

Deno.test("conformance: a table that differs from osquery's schema is reported column by column", () => {
  const broken: TableSpec = {
    name: "uptime",
    description: "A deliberately wrong copy of uptime.",
    columns: [{ name: "days", type: "TEXT" }],
    generate: () => [],
  };
  const problems = differences(broken);
  assertEquals(
    problems[0],
    `uptime: column 0: ours {"name":"days","type":"TEXT"}, osquery's {"name":"days","type":"INTEGER"}`,
  );
  assertEquals(problems.length, 5);
});
