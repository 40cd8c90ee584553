/**
 * osquery's query-context JSON, the `context` of a table plugin's `generate` request: every
 * column's pushed-down constraints (columns sorted by name, each with its type affinity), the
 * used columns, and their bitset. Built by the core for extension tables, read back by the SDK.
 *
 * @module
 */
import { type Constraint, QueryContext, type TableSpec, valueToText } from "../table.ts";
import { typeName } from "./routes.ts";

/** The context JSON osquery sends with `{"action":"generate"}` for a scan of `spec`. */
export function contextToJson(spec: TableSpec, ctx: QueryContext): string {
  const columns = [...spec.columns].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const constraints = columns.map((c) => ({
    name: c.name,
    list: (ctx.constraints.get(c.name) ?? []).map((k) => ({ op: k.op, expr: valueToText(k.value) })),
    affinity: typeName(c.type),
  }));
  const used = ctx.usedColumns;
  const colsUsed: string[] = [];
  let bitset = 0n;
  spec.columns.forEach((c, i) => {
    if (used !== undefined && !used.has(c.name)) return;
    colsUsed.push(c.name);
    bitset |= 1n << BigInt(Math.min(i, 63));
  });
  // colsUsedBitset is a uint64: written by hand so bit 63 survives JSON.
  const head = JSON.stringify({ constraints, colsUsed });
  return `${head.slice(0, -1)},"colsUsedBitset":${bitset.toString()}}`;
}

/** The parts of a generate context an extension reads. */
export interface ParsedContext {
  constraints: Map<string, Constraint[]>;
  /** Used columns; undefined when the core did not say (treat every column as used). */
  used: Set<string> | undefined;
}

/** Reads a context JSON (tolerating missing or malformed parts: they mean "no constraint"). */
export function parseContextJson(text: string | undefined): ParsedContext {
  const constraints = new Map<string, Constraint[]>();
  let used: Set<string> | undefined;
  if (!text) return { constraints, used };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { constraints, used };
  }
  if (typeof doc !== "object" || doc === null) return { constraints, used };
  const record = doc as Record<string, unknown>;
  if (Array.isArray(record.constraints)) {
    for (const entry of record.constraints) {
      if (typeof entry !== "object" || entry === null) continue;
      const { name, list } = entry as Record<string, unknown>;
      if (typeof name !== "string" || !Array.isArray(list)) continue;
      const out: Constraint[] = [];
      for (const item of list) {
        if (typeof item !== "object" || item === null) continue;
        const { op, expr } = item as Record<string, unknown>;
        if (typeof op !== "number") continue;
        out.push({ op, value: typeof expr === "string" ? expr : String(expr ?? "") });
      }
      if (out.length) constraints.set(name, out);
    }
  }
  if (Array.isArray(record.colsUsed)) {
    used = new Set(record.colsUsed.filter((c): c is string => typeof c === "string"));
  }
  return { constraints, used };
}

/** A QueryContext for table `name` from a generate request's context JSON. */
export function contextFromJson(name: string, text: string | undefined): QueryContext {
  const parsed = parseContextJson(text);
  return new QueryContext(name, parsed.constraints, parsed.used);
}
