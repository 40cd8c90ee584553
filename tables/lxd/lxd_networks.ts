import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { bit, integer, isObject, listing, lxdMetadata, member, requiredText, text } from "./_lib.ts";

/** Instance URLs in `used_by` are shown by name, as osquery does. */
function userName(url: string): string {
  for (const prefix of ["/1.0/containers/", "/1.0/instances/"]) {
    if (url.startsWith(prefix)) return url.slice(prefix.length);
  }
  return url;
}

function networkRow(url: string): Row | undefined {
  const network = lxdMetadata(url);
  const name = requiredText(network, "name");
  if (!isObject(network) || name === undefined) return undefined;
  const config = member(network, "config");
  const usedBy = member(network, "used_by");
  const row: Row = {
    name,
    type: text(network, "type"),
    managed: bit(network, "managed"),
    ipv4_address: text(config, "ipv4.address"),
    ipv6_address: text(config, "ipv6.address"),
    used_by: (Array.isArray(usedBy) ? usedBy : []).filter((u): u is string => typeof u === "string").map(userName)
      .join(","),
  };
  const state = lxdMetadata(url + "/state");
  if (isObject(state)) {
    const counters = member(state, "counters");
    row.bytes_received = integer(counters, "bytes_received");
    row.bytes_sent = integer(counters, "bytes_sent");
    row.packets_received = integer(counters, "packets_received");
    row.packets_sent = integer(counters, "packets_sent");
    row.hwaddr = text(state, "hwaddr");
    row.state = text(state, "state");
    row.mtu = integer(state, "mtu");
  }
  return row;
}

export default registerTable(defineTable({
  name: "lxd_networks",
  description: "Networks LXD knows (managed bridges and host interfaces), with addresses, users and traffic counters.",
  columns: [
    { name: "name", type: "TEXT" },
    { name: "type", type: "TEXT" },
    { name: "managed", type: "INTEGER" },
    { name: "ipv4_address", type: "TEXT" },
    { name: "ipv6_address", type: "TEXT" },
    { name: "used_by", type: "TEXT" },
    { name: "bytes_received", type: "BIGINT" },
    { name: "bytes_sent", type: "BIGINT" },
    { name: "packets_received", type: "BIGINT" },
    { name: "packets_sent", type: "BIGINT" },
    { name: "hwaddr", type: "TEXT" },
    { name: "state", type: "TEXT" },
    { name: "mtu", type: "INTEGER" },
  ],
  generate() {
    return listing("/1.0/networks").map(networkRow).filter((r): r is Row => r !== undefined);
  },
}));
