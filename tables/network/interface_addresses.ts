/**
 * `interface_addresses`: every IPv4 and IPv6 address configured on the host's interfaces, from
 * getifaddrs(3) (a kernel interface: always this machine's).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { AF_INET, AF_INET6, getIfAddrs, type IfAddr, interfaceName } from "./_libc.ts";
import { IFF_BROADCAST, sockAddrText } from "./_interfaces.ts";

export default registerTable(defineTable({
  name: "interface_addresses",
  description: "IPv4 and IPv6 addresses on the host's network interfaces, with netmask and broadcast or peer.",
  attributes: { cacheable: true },
  columns: [
    { name: "interface", type: "TEXT", description: "The interface's name." },
    { name: "address", type: "TEXT", description: "The address (IPv6 link-local ones carry %<interface>)." },
    { name: "mask", type: "TEXT", description: "The netmask, in address form." },
    { name: "broadcast", type: "TEXT", description: "The broadcast address, on broadcast-capable interfaces." },
    { name: "point_to_point", type: "TEXT", description: "The peer address, on point-to-point interfaces." },
    { name: "type", type: "TEXT", description: "How the address was assigned; always unknown on Linux." },
    { name: "friendly_name", type: "TEXT", linuxHidden: true, description: "Windows: the adapter's display name." },
  ],
  generate() {
    return addressRows(getIfAddrs() ?? []);
  },
}));

/**
 * One row per IPv4/IPv6 getifaddrs entry: the address and netmask as text, and the destination
 * address as `broadcast` when the interface is a broadcast one, else as `point_to_point`.
 * `type` is "unknown" on Linux, as in osquery.
 */
export function addressRows(entries: IfAddr[], nameOfIndex: (index: number) => string = interfaceName): Row[] {
  const rows: Row[] = [];
  for (const e of entries) {
    if (!e.addr || (e.addr.family !== AF_INET && e.addr.family !== AF_INET6)) continue;
    const row: Row = { interface: e.name, address: sockAddrText(e.addr, nameOfIndex) };
    if (e.netmask) row.mask = sockAddrText(e.netmask, nameOfIndex);
    if (e.dstaddr) {
      const destination = sockAddrText(e.dstaddr, nameOfIndex);
      if ((e.flags & IFF_BROADCAST) === IFF_BROADCAST) row.broadcast = destination;
      else row.point_to_point = destination;
    }
    row.type = "unknown";
    rows.push(row);
  }
  return rows;
}
