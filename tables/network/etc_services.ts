/**
 * `etc_services`: network service names, ports and transport protocols from /etc/services, the
 * netdb file getservbyname(3) reads.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText } from "../../core/host/files.ts";
import { netdbLines } from "./_lib.ts";

export default registerTable(defineTable({
  name: "etc_services",
  description: "Service names with their port, transport protocol, aliases and comment, from /etc/services.",
  attributes: { cacheable: true },
  columns: [
    { name: "name", type: "TEXT", description: "The service's official name." },
    { name: "port", type: "INTEGER", description: "The port number." },
    { name: "protocol", type: "TEXT", description: "The transport protocol (tcp, udp, ...)." },
    { name: "aliases", type: "TEXT", description: "Other names of the service, space-separated." },
    { name: "comment", type: "TEXT", description: "The line's trailing comment." },
  ],
  generate(ctx) {
    const text = readText(ctx.host.path("/etc/services"));
    return text === undefined ? [] : parseEtcServices(text);
  },
}));

/**
 * Parses services-file text: `name port/protocol [alias...] [# comment]`. Aliases are joined
 * with spaces (empty when none); comment parts after each `#` are joined with " # ". Lines
 * without a numeric `port/protocol` pair are skipped.
 */
export function parseEtcServices(text: string): Row[] {
  const rows: Row[] = [];
  for (const { fields, comment } of netdbLines(text)) {
    if (fields.length < 2) continue;
    const portProtocol = fields[1].split("/");
    if (portProtocol.length !== 2 || !/^\d+$/.test(portProtocol[0]) || portProtocol[1].length === 0) continue;
    const row: Row = {
      name: fields[0],
      port: Number(portProtocol[0]),
      protocol: portProtocol[1],
      aliases: fields.slice(2).join(" "),
    };
    if (comment !== undefined) row.comment = comment;
    rows.push(row);
  }
  return rows;
}
