/**
 * TAB completion for the console: meta-commands at the start of a line; table names after
 * FROM / JOIN, after a comma in a FROM list, and as the argument of `.all`, `.schema`, `.tables`;
 * otherwise the columns of the tables the statement names (before or after the cursor) and SQL
 * keywords.
 *
 * Candidates come shortest first, then alphabetically. The line editor completes their common
 * prefix (`proc<TAB>` gives `process`) and lists them on a second TAB, as linenoise-ng (osqueryi's
 * editor) does.
 *
 * @module
 */
import type { TableSpec } from "../../core/table.ts";
import { isHidden } from "../../core/vtab/schema.ts";
import { tablesNamedIn } from "./errors.ts";
import { META_COMMANDS } from "./meta.ts";

/** What completion needs to know about tables. */
export interface CompletionCatalog {
  tables(): TableSpec[];
}

/** Candidates replace `line.slice(start, cursor)`. */
export interface Completion {
  start: number;
  candidates: string[];
}

const KEYWORDS = [
  "SELECT",
  "FROM",
  "WHERE",
  "AND",
  "OR",
  "NOT",
  "JOIN",
  "LEFT",
  "INNER",
  "CROSS",
  "ON",
  "USING",
  "GROUP",
  "ORDER",
  "BY",
  "LIMIT",
  "OFFSET",
  "HAVING",
  "UNION",
  "ALL",
  "DISTINCT",
  "AS",
  "IN",
  "LIKE",
  "GLOB",
  "REGEXP",
  "BETWEEN",
  "IS",
  "NULL",
  "CASE",
  "WHEN",
  "THEN",
  "ELSE",
  "END",
  "COUNT",
  "DESC",
  "ASC",
  "WITH",
  "EXISTS",
];

function rank(candidates: Iterable<string>): string[] {
  return [...new Set(candidates)].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Completes the word before `cursor`. `context` is the text of the statement's earlier lines
 * (a multi-line statement), used to find the tables it names.
 */
export function complete(line: string, cursor: number, catalog: CompletionCatalog, context = ""): Completion {
  const before = line.slice(0, cursor);
  if (context.trim() === "" && /^\.\S*$/.test(before)) {
    return { start: 0, candidates: rank(META_COMMANDS.filter((m) => m.startsWith(before))) };
  }
  const metaArgument = context.trim() === "" ? /^\.(all|schema|tables|list)\s+([A-Za-z0-9_]*)$/.exec(before) : null;
  if (metaArgument) {
    const prefix = metaArgument[2];
    const names = catalog.tables().map((t) => t.name).filter((n) => n.startsWith(prefix));
    return { start: cursor - prefix.length, candidates: rank(names) };
  }
  const wordMatch = /[A-Za-z0-9_]*$/.exec(before)!;
  const word = wordMatch[0];
  const start = cursor - word.length;
  const lowerWord = word.toLowerCase();
  const tables = catalog.tables();
  const tableNames = tables.flatMap((t) => [t.name, ...(t.aliases ?? [])]);
  const prior = (context + "\n" + before.slice(0, start)).replace(/'(?:[^']|'')*'/g, "''");
  const previous = /([A-Za-z_]+|,)\s*(?:[A-Za-z0-9_]+\.)?$/.exec(prior.trimEnd() + " ")?.[1]?.toLowerCase();
  const inFromList =
    /\b(from|join)\s+[A-Za-z0-9_]+(\s+(as\s+)?[A-Za-z0-9_]+)?\s*(,\s*[A-Za-z0-9_]+(\s+(as\s+)?[A-Za-z0-9_]+)?\s*)*,\s*$/i
      .test(prior);
  if (previous === "from" || previous === "join" || inFromList) {
    return { start, candidates: rank(tableNames.filter((n) => n.startsWith(lowerWord))) };
  }
  if (word === "") return { start, candidates: [] };
  const statement = context + "\n" + line;
  const named = new Set(tablesNamedIn(statement));
  const columns = tables
    .filter((t) => named.has(t.name) || (t.aliases ?? []).some((a) => named.has(a)))
    .flatMap((t) => t.columns.filter((c) => !isHidden(c)).map((c) => c.name))
    .filter((c) => c.toLowerCase().startsWith(lowerWord));
  const upper = word === word.toUpperCase() && /[A-Z]/.test(word);
  const keywords = KEYWORDS.filter((k) => k.startsWith(word.toUpperCase())).map((k) => upper ? k : k.toLowerCase());
  const fallbackTables = named.size === 0 ? tableNames.filter((n) => n.startsWith(lowerWord)) : [];
  return { start, candidates: [...rank(columns), ...rank(fallbackTables), ...rank(keywords)] };
}
