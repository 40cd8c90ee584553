/**
 * etc_protocols: IP protocol numbers and names from /etc/protocols.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { netdbLines, readTextOr } from "./_lib.ts";

/** Where the protocol table lives. */
export const ETC_PROTOCOLS = "/etc/protocols";

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

/** Options for {@linkcode etcProtocolsTable}: the file to read. */
export interface EtcProtocolsOptions {
  path?: string;
}

/** The etc_protocols table over `path` (default /etc/protocols). */
export function etcProtocolsTable(options: EtcProtocolsOptions = {}): TableSpec {
  const path = options.path ?? ETC_PROTOCOLS;
  return defineTable({
    name: "etc_protocols",
    description: "IP protocol names, numbers, aliases and comments from /etc/protocols.",
    attributes: { cacheable: true },
    columns: [
      { name: "name", type: "TEXT", description: "The protocol's official name." },
      { name: "number", type: "INTEGER", description: "The IP protocol number." },
      { name: "alias", type: "TEXT", description: "The first alias on the line." },
      { name: "comment", type: "TEXT", description: "The line's trailing comment." },
    ],
    generate() {
      const text = readTextOr(path);
      return text === undefined ? [] : parseEtcProtocols(text);
    },
  });
}

export default registerTable(etcProtocolsTable());
