/**
 * `lxd_networks`: the networks the local LXD server knows, with configuration, users and counters.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { bit, integer, isObject, listing, lxdMetadata, member, requiredText, text } from "./_lib.ts";

export default registerTable(defineTable({
  name: "lxd_networks",
  description: "Networks LXD knows (managed bridges and host interfaces), with addresses, users and traffic counters.",
  columns: [
    { name: "name", type: "TEXT", description: "The network's name." },
    { name: "type", type: "TEXT", description: "The kind of network (bridge, physical, ...)." },
    { name: "managed", type: "INTEGER", description: "1 when LXD created and manages the network, else 0." },
    { name: "ipv4_address", type: "TEXT", description: "The network's IPv4 address and prefix, as configured." },
    { name: "ipv6_address", type: "TEXT", description: "The network's IPv6 address and prefix, as configured." },
    {
      name: "used_by",
      type: "TEXT",
      description: "What uses the network (instance names, other API paths), comma-separated.",
    },
    { name: "bytes_received", type: "BIGINT", description: "Bytes received on the network's interface." },
    { name: "bytes_sent", type: "BIGINT", description: "Bytes sent on the network's interface." },
    { name: "packets_received", type: "BIGINT", description: "Packets received on the network's interface." },
    { name: "packets_sent", type: "BIGINT", description: "Packets sent on the network's interface." },
    { name: "hwaddr", type: "TEXT", description: "The interface's MAC address." },
    { name: "state", type: "TEXT", description: "The interface's state (up, down)." },
    { name: "mtu", type: "INTEGER", description: "The interface's MTU in bytes." },
  ],
  generate() {
    return listing("/1.0/networks").map(networkRow).filter((r): r is Row => r !== undefined);
  },
}));

/** Instance URLs in `used_by` are shown by name, as osquery does. */
function userName(url: string): string {
  for (const prefix of ["/1.0/containers/", "/1.0/instances/"]) {
    if (url.startsWith(prefix)) return url.slice(prefix.length);
  }
  return url;
}

/** The network at `url` with its state counters when LXD has them; undefined without a name. */
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
