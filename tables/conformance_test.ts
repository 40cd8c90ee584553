/**
 * Every registered table must match osquery's schema in ../shared/reference/osquery-tables.json:
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

const referencePath = new URL("../../shared/reference/osquery-tables.json", import.meta.url);
const reference: ReferenceTable[] = JSON.parse(Deno.readTextFileSync(referencePath)).tables;
const byName = new Map(reference.map((t) => [t.name, t]));

/** Tables osq adds beyond osquery's Linux set (none may shadow an osquery name with another schema). */
const OSQ_ONLY = new Set<string>([]);

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

Deno.test(`conformance: ${tables.length} registered tables match osquery's Linux schemas`, () => {
  for (const table of tables) {
    if (OSQ_ONLY.has(table.name)) continue;
    const ref = byName.get(table.name);
    if (!ref) throw new Error(`Table ${table.name} is not in osquery's Linux schemas`);
    assertEquals(table.columns.map(normalizeColumn), ref.columns.map(normalizeReference), `${table.name}: columns`);
    assertEquals([...(table.aliases ?? [])].sort(), [...ref.aliases].sort(), `${table.name}: aliases`);
    assertEquals(attributesOf(table), ref.attributes, `${table.name}: attributes`);
    if (!table.description || table.description.length < 10) throw new Error(`${table.name}: needs a description`);
  }
  console.log(`conformance: ${tables.length} of ${reference.length} osquery Linux tables registered`);
});
