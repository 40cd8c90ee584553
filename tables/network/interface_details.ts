/**
 * `interface_details`: one row per network interface with its link-layer facts (MAC, ARPHRD type,
 * MTU, flags, link speed, PCI slot) and traffic counters.
 *
 * @module
 */
import { defineTable, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { getIfAddrs, type IfAddr, type InterfaceIoctls, interfaceIoctls } from "./_libc.ts";
import {
  linkEntries,
  macText,
  mergeSysfsFlags,
  readSysfsFlags,
  readSysfsStats,
  type SysfsStats,
} from "./_interfaces.ts";

export default registerTable(defineTable({
  name: "interface_details",
  description: "Network interfaces with MAC, hardware type, MTU, flags, link speed, PCI slot and traffic counters.",
  attributes: { cacheable: true },
  columns: [
    { name: "interface", type: "TEXT", description: "The interface's name." },
    { name: "mac", type: "TEXT", collate: "nocase", description: "The hardware address." },
    { name: "type", type: "INTEGER", description: "The ARPHRD_* hardware type (1 ethernet, 772 loopback...)." },
    { name: "mtu", type: "INTEGER", description: "The MTU in bytes." },
    { name: "metric", type: "INTEGER", description: "The interface metric." },
    { name: "flags", type: "INTEGER", description: "The netdevice IFF_* flags." },
    { name: "ipackets", type: "BIGINT", description: "Packets received." },
    { name: "opackets", type: "BIGINT", description: "Packets sent." },
    { name: "ibytes", type: "BIGINT", description: "Bytes received." },
    { name: "obytes", type: "BIGINT", description: "Bytes sent." },
    { name: "ierrors", type: "BIGINT", description: "Receive errors." },
    { name: "oerrors", type: "BIGINT", description: "Transmit errors." },
    { name: "idrops", type: "BIGINT", description: "Received packets dropped." },
    { name: "odrops", type: "BIGINT", description: "Outgoing packets dropped." },
    { name: "collisions", type: "BIGINT", description: "Collisions detected." },
    { name: "last_change", type: "BIGINT", description: "Not tracked on Linux: -1." },
    { name: "link_speed", type: "BIGINT", description: "Link speed in Mb/s (0 when unknown)." },
    { name: "pci_slot", type: "TEXT", description: "The driver's bus address (PCI slot), -1 when none." },
    { name: "friendly_name", type: "TEXT", linuxHidden: true, description: "Windows: the adapter's display name." },
    { name: "description", type: "TEXT", linuxHidden: true, description: "Windows: the adapter's description." },
    { name: "manufacturer", type: "TEXT", linuxHidden: true, description: "Windows: the adapter's maker." },
    { name: "connection_id", type: "TEXT", linuxHidden: true, description: "Windows: the connection's name." },
    { name: "connection_status", type: "TEXT", linuxHidden: true, description: "Windows: the connection's state." },
    { name: "enabled", type: "INTEGER", linuxHidden: true, description: "Windows: 1 when the adapter is enabled." },
    {
      name: "physical_adapter",
      type: "INTEGER",
      linuxHidden: true,
      description: "Windows: 1 for a physical (not virtual) adapter.",
    },
    { name: "speed", type: "INTEGER", linuxHidden: true, description: "Windows: bandwidth in bits per second." },
    { name: "service", type: "TEXT", linuxHidden: true, description: "Windows: the adapter's driver service." },
    { name: "dhcp_enabled", type: "INTEGER", linuxHidden: true, description: "Windows: 1 when DHCP is on." },
    { name: "dhcp_lease_expires", type: "TEXT", linuxHidden: true, description: "Windows: when the lease ends." },
    { name: "dhcp_lease_obtained", type: "TEXT", linuxHidden: true, description: "Windows: when the lease began." },
    { name: "dhcp_server", type: "TEXT", linuxHidden: true, description: "Windows: the DHCP server's address." },
    { name: "dns_domain", type: "TEXT", linuxHidden: true, description: "Windows: the DNS domain." },
    {
      name: "dns_domain_suffix_search_order",
      type: "TEXT",
      linuxHidden: true,
      description: "Windows: DNS suffixes appended when resolving.",
    },
    { name: "dns_host_name", type: "TEXT", linuxHidden: true, description: "Windows: the DNS host name." },
    {
      name: "dns_server_search_order",
      type: "TEXT",
      linuxHidden: true,
      description: "Windows: DNS servers in the order asked.",
    },
  ],
  generate(ctx) {
    // The interfaces come from getifaddrs and ioctl (kernel calls); flags and counters from sysfs files.
    return detailsRows(ctx, getIfAddrs() ?? [], ctx.host.path("/sys/class/net"));
  },
}));

/**
 * Builds one interface_details row. Counters come from sysfs (64-bit) and fall back to
 * getifaddrs' 32-bit link stats; flags merge getifaddrs with sysfs as osquery does. The
 * physical columns are filled only for entries that carry link stats, as in osquery.
 */
export function detailsRow(
  entry: IfAddr,
  ioctl: InterfaceIoctls | undefined,
  stats: SysfsStats,
  sysfsFlags: string | undefined,
  withSpeed: boolean,
): Row {
  const row: Row = { interface: entry.name, mac: macText(entry.addr ? ioctl?.hwAddress : undefined) };
  if (!entry.stats) return row;
  const s = entry.stats;
  row.mtu = ioctl?.mtu ?? 0;
  row.metric = ioctl?.metric ?? 0;
  row.type = ioctl?.hwFamily ?? 0;
  row.ipackets = stats.rx_packets ?? s.rxPackets;
  row.opackets = stats.tx_packets ?? s.txPackets;
  row.ibytes = stats.rx_bytes ?? s.rxBytes;
  row.obytes = stats.tx_bytes ?? s.txBytes;
  row.ierrors = stats.rx_errors ?? s.rxErrors;
  row.oerrors = stats.tx_errors ?? s.txErrors;
  row.idrops = stats.rx_dropped ?? s.rxDropped;
  row.odrops = stats.tx_dropped ?? s.txDropped;
  row.collisions = stats.collisions ?? s.collisions;
  if (withSpeed) row.link_speed = ioctl?.speed ?? 0;
  row.pci_slot = ioctl?.busInfo ?? "-1";
  row.flags = mergeSysfsFlags(entry.flags, sysfsFlags);
  row.last_change = -1;
  return row;
}

/**
 * The rows of the link entries among `entries`: facts from `ioctls` (the kernel's, by default),
 * counters and flags from the sysfs class directory `sysClassNet`; counters and link speed only
 * when the query uses them.
 */
export function detailsRows(
  ctx: QueryContext,
  entries: readonly IfAddr[],
  sysClassNet: string,
  ioctls: (name: string, withSpeed: boolean) => InterfaceIoctls | undefined = interfaceIoctls,
): Row[] {
  const withSpeed = ctx.isUsed("link_speed");
  const withStats = ctx.isAnyUsed(
    "ipackets",
    "opackets",
    "ibytes",
    "obytes",
    "ierrors",
    "oerrors",
    "idrops",
    "odrops",
    "collisions",
  );
  return linkEntries(entries).map((entry) =>
    detailsRow(
      entry,
      ioctls(entry.name, withSpeed),
      withStats ? readSysfsStats(entry.name, sysClassNet) : {},
      readSysfsFlags(entry.name, sysClassNet),
      withSpeed,
    )
  );
}
