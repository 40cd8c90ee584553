/**
 * interface_details: one row per network interface with its link-layer facts (MAC, ARPHRD type,
 * MTU, flags, link speed, PCI slot) and traffic counters.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { AF_PACKET, getIfAddrs, type IfAddr, type InterfaceIoctls, interfaceIoctls } from "./_libc.ts";
import {
  type IfAddrSource,
  macText,
  mergeSysfsFlags,
  readSysfsFlags,
  readSysfsStats,
  type SysfsStats,
} from "./_interfaces.ts";

/** Where interface_details reads per-interface facts; tests substitute fixtures. */
export interface InterfaceDetailsOptions {
  source?: IfAddrSource;
  /** ioctl(2) facts for an interface (MTU, metric, hardware address, ethtool speed and bus). */
  ioctls?: (name: string, withSpeed: boolean) => InterfaceIoctls | undefined;
  /** The sysfs class directory holding `<if>/flags` and `<if>/statistics/*`. */
  sysClassNet?: string;
}

/** The getifaddrs entries that describe a link (AF_PACKET, or no address at all). */
export function linkEntries(entries: IfAddr[]): IfAddr[] {
  return entries.filter((e) => e.addr === undefined || e.addr.family === AF_PACKET);
}

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

/** The interface_details table (getifaddrs, ioctl and sysfs unless options say otherwise). */
export function interfaceDetailsTable(options: InterfaceDetailsOptions = {}): TableSpec {
  const source = options.source ?? getIfAddrs;
  const ioctls = options.ioctls ?? interfaceIoctls;
  const sysClassNet = options.sysClassNet ?? "/sys/class/net";
  const hidden = (name: string) => ({ name, type: "TEXT" as const, linuxHidden: true });
  return defineTable({
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
      hidden("friendly_name"),
      hidden("description"),
      hidden("manufacturer"),
      hidden("connection_id"),
      hidden("connection_status"),
      { name: "enabled", type: "INTEGER", linuxHidden: true },
      { name: "physical_adapter", type: "INTEGER", linuxHidden: true },
      { name: "speed", type: "INTEGER", linuxHidden: true },
      hidden("service"),
      { name: "dhcp_enabled", type: "INTEGER", linuxHidden: true },
      hidden("dhcp_lease_expires"),
      hidden("dhcp_lease_obtained"),
      hidden("dhcp_server"),
      hidden("dns_domain"),
      hidden("dns_domain_suffix_search_order"),
      hidden("dns_host_name"),
      hidden("dns_server_search_order"),
    ],
    generate(ctx) {
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
      return linkEntries(source() ?? []).map((entry) =>
        detailsRow(
          entry,
          ioctls(entry.name, withSpeed),
          withStats ? readSysfsStats(entry.name, sysClassNet) : {},
          readSysfsFlags(entry.name, sysClassNet),
          withSpeed,
        )
      );
    },
  });
}

export default registerTable(interfaceDetailsTable());
