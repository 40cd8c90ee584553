/**
 * `etc_protocols`: IP protocol numbers and names from /etc/protocols, the netdb file
 * getprotobyname(3) reads.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText } from "../../core/host/files.ts";
import { netdbLines } from "./_lib.ts";

export default registerTable(defineTable({
  name: "etc_protocols",
  description: "IP protocol names, numbers, aliases and comments from /etc/protocols.",
  attributes: { cacheable: true },
  columns: [
    { name: "name", type: "TEXT", description: "The protocol's official name." },
    { name: "number", type: "INTEGER", description: "The IP protocol number." },
    { name: "alias", type: "TEXT", description: "The first alias on the line." },
    { name: "comment", type: "TEXT", description: "The line's trailing comment." },
  ],
  generate(ctx) {
    const text = readText(ctx.host.path("/etc/protocols"));
    return text === undefined ? [] : parseEtcProtocols(text);
  },
}));

/**
 * Parses protocols-file text: `name number [alias...] [# comment]`. The first alias is kept (as
 * osquery does); comment parts after each `#` are joined with " # ". Lines without a numeric
 * protocol number are skipped.
 */
export function parseEtcProtocols(text: string): Row[] {
  const rows: Row[] = [];
  for (const { fields, comment } of netdbLines(text)) {
    if (fields.length < 2 || !/^\d+$/.test(fields[1])) continue;
    const row: Row = { name: fields[0], number: Number(fields[1]) };
    if (fields.length > 2) row.alias = fields[2];
    if (comment !== undefined) row.comment = comment;
    rows.push(row);
  }
  return rows;
}
