/**
 * `etc_hosts`: the static host-name table, one row per address line of /etc/hosts. With
 * `pid_with_namespace = N` the file is read as process N sees it, through its /proc/N/root.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText } from "../../core/host/files.ts";
import { isIpAddress, splitFields } from "./_lib.ts";

export default registerTable(defineTable({
  name: "etc_hosts",
  description: "Address-to-name mappings from the static hosts file (/etc/hosts), one row per address line.",
  aliases: ["hosts"],
  attributes: { cacheable: true },
  columns: [
    { name: "address", type: "TEXT", description: "The IP address the line maps." },
    { name: "hostnames", type: "TEXT", description: "The names on the line, space-separated, comments removed." },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Set to a pid to read the file in that process's mount namespace (its /proc/<pid>/root).",
    },
  ],
  generate(ctx) {
    const pids = ctx.integerEquals("pid_with_namespace").filter((pid) => pid > 0);
    if (pids.length > 0) {
      return pids.flatMap((pid) => parseEtcHosts(readText(ctx.host.path(`/proc/${pid}/root/etc/hosts`)) ?? "", pid));
    }
    const text = readText(ctx.host.path("/etc/hosts"));
    return text === undefined ? [] : parseEtcHosts(text);
  },
}));

/**
 * Parses hosts-file text: one row per line whose first field is an IP address. Names stop at a `#`
 * comment; a line with an address alone is a row with empty `hostnames`, as osquery reports it.
 * Comment lines, blank lines and lines whose first field is no IP address are skipped, as the
 * resolver skips them (osquery reports those too; see docs/tables.md).
 */
export function parseEtcHosts(text: string, pidWithNamespace = 0): Row[] {
  const rows: Row[] = [];
  for (const line of text.split("\n")) {
    const fields = splitFields(line);
    if (fields.length === 0 || fields[0].startsWith("#")) continue;
    const names: string[] = [];
    for (const field of fields.slice(1)) {
      if (field.startsWith("#")) break;
      names.push(field);
    }
    const address = fields[0].split("#")[0];
    if (!isIpAddress(address)) continue;
    rows.push({ address, hostnames: names.join(" "), pid_with_namespace: pidWithNamespace });
  }
  return rows;
}
