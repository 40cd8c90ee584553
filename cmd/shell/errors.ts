/**
 * Errors people can act on: SQLite's message first, exactly as osqueryi prints it, then a hint
 * in parentheses when osq knows better — the closest table for a typo'd table name, the
 * columns of the statement's tables for a typo'd column, the required columns of a table
 * queried without them.
 *
 * @module
 */
import { closest } from "../../core/flags/flags.ts";
import type { TableSpec } from "../../core/table.ts";
import { isHidden } from "../../core/vtab/schema.ts";

/** What the hints need to know about tables. */
export interface TableCatalog {
  tables(): TableSpec[];
}

const SQL_WORDS = new Set([
  "select",
  "from",
  "where",
  "join",
  "left",
  "inner",
  "cross",
  "outer",
  "natural",
  "on",
  "using",
  "as",
  "and",
  "or",
  "not",
  "group",
  "order",
  "by",
  "limit",
  "offset",
  "union",
  "all",
  "having",
  "with",
  "values",
]);

/** Table names a statement mentions after FROM / JOIN (and comma lists after FROM), lower-cased. */
export function tablesNamedIn(sql: string): string[] {
  const tokens = sql.replace(/'(?:[^']|'')*'/g, "''").match(/[A-Za-z_][A-Za-z0-9_]*|"[^"]+"|`[^`]+`|,|\(|\)/g) ?? [];
  const out: string[] = [];
  // "table": the next name is a table; "alias": after a table (alias, AS, or a comma may follow);
  // "afterAlias": only a comma continues the list.
  let state: "none" | "table" | "alias" | "afterAlias" = "none";
  for (const raw of tokens) {
    const lower = raw.replace(/^["`]|["`]$/g, "").toLowerCase();
    const keyword = SQL_WORDS.has(lower) && raw[0] !== '"' && raw[0] !== "`";
    if (keyword && (lower === "from" || lower === "join")) {
      state = "table";
    } else if (state === "table") {
      state = raw === "(" || keyword ? "none" : "alias";
      if (state === "alias") out.push(lower);
    } else if (state === "alias" || state === "afterAlias") {
      if (raw === ",") state = "table";
      else if (state === "alias" && lower === "as") state = "alias";
      else if (state === "alias" && !keyword && /^[A-Za-z_"`]/.test(raw)) state = "afterAlias";
      else state = "none";
    }
  }
  return [...new Set(out)];
}

/** Adds osq's hint to an error message from running `sql`, when there is one. */
export function explainError(message: string, sql: string, catalog: TableCatalog): string {
  let match = /^no such table: (?:main\.)?(\S+)$/.exec(message);
  if (match) {
    const names = catalog.tables().flatMap((t) => [t.name, ...(t.aliases ?? [])]);
    const best = closest(match[1], names);
    return best ? `${message} (did you mean ${best}?)` : message;
  }
  match = /^no such column: (?:\S+\.)?(\S+)$/.exec(message);
  if (match) {
    const named = new Set(tablesNamedIn(sql));
    const specs = catalog.tables().filter((t) => named.has(t.name) || (t.aliases ?? []).some((a) => named.has(a)));
    if (specs.length === 0) return message;
    const all = specs.flatMap((t) => t.columns.filter((c) => !isHidden(c)).map((c) => c.name));
    const best = closest(match[1], all);
    const lists = specs.map((t) =>
      `${t.name} has ${t.columns.filter((c) => !isHidden(c)).map((c) => c.name).join(", ")}`
    );
    return `${message} (${best ? `did you mean ${best}? ` : ""}${lists.join("; ")})`;
  }
  match = /^Table (\S+) was queried without a required column/.exec(message);
  if (match) {
    const spec = catalog.tables().find((t) => t.name === match![1] || (t.aliases ?? []).includes(match![1]));
    const required = spec?.columns.filter((c) => c.required).map((c) => c.name) ?? [];
    if (required.length) {
      const list = required.length === 1
        ? required[0]
        : required.slice(0, -1).join(", ") + " or " + required[required.length - 1];
      return `${message} (add a constraint on ${list}, e.g. WHERE ${required[0]} = '...')`;
    }
  }
  return message;
}
