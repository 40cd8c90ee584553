/**
 * Interface enumeration shared by interface_addresses, interface_details and interface_ipv6:
 * getifaddrs(3) entries (one link entry per interface), socket addresses as text (glibc's numeric
 * getnameinfo form), and the sysfs flag and counter files (under the host's /sys/class/net).
 *
 * @module
 */
import { formatIpv4, formatIpv6 } from "../../core/host/inet.ts";
import { readText } from "../../core/host/files.ts";
import { AF_INET, AF_INET6, AF_PACKET, type IfAddr, interfaceName, type SockAddr } from "./_libc.ts";

/** IFF_BROADCAST: the interface's destination address is a broadcast address. */
export const IFF_BROADCAST = 0x2;

/**
 * Flags that osquery takes from /sys/class/net/<if>/flags rather than from getifaddrs:
 * IFF_UP, DEBUG, NOTRAILERS, NOARP, PROMISC, ALLMULTI, MULTICAST, PORTSEL, AUTOMEDIA, DYNAMIC.
 */
export const SYSFS_FLAGS = 0x1 | 0x4 | 0x20 | 0x80 | 0x100 | 0x200 | 0x1000 | 0x2000 | 0x4000 | 0x8000;

/**
 * A socket address as numeric host text, as getnameinfo(NI_NUMERICHOST) prints it: dotted quad,
 * or IPv6 with `%<interface>` appended for a scoped link-local (or link-local multicast) address.
 * Other families give "".
 */
export function sockAddrText(addr: SockAddr, nameOfIndex: (index: number) => string = interfaceName): string {
  if (addr.family === AF_INET && addr.address.length === 4) return formatIpv4(addr.address);
  if (addr.family === AF_INET6 && addr.address.length === 16) {
    const text = formatIpv6(addr.address);
    if (addr.scopeId === 0) return text;
    const a = addr.address;
    const linkLocal = (a[0] === 0xfe && (a[1] & 0xc0) === 0x80) || (a[0] === 0xff && (a[1] & 0x0f) === 0x02);
    const name = linkLocal ? nameOfIndex(addr.scopeId) : "";
    return `${text}%${name || String(addr.scopeId)}`;
  }
  return "";
}

/** Formats a hardware address as lowercase colon-separated hex (six bytes, zero-padded). */
export function macText(bytes: Uint8Array | undefined): string {
  const out: string[] = [];
  for (let i = 0; i < 6; i++) out.push((bytes?.[i] ?? 0).toString(16).padStart(2, "0"));
  return out.join(":");
}

/**
 * Merges getifaddrs flags with /sys/class/net/<if>/flags the way osquery does: the sysfs-owned
 * bits come from the file (`0x<hex>\n`) when it reads cleanly, the rest from getifaddrs.
 */
export function mergeSysfsFlags(flags: number, sysfsText: string | undefined): number {
  let merged = (flags & ~SYSFS_FLAGS) >>> 0;
  if (sysfsText === undefined) return merged;
  const m = /^0x([0-9a-fA-F]+)\s*$/.exec(sysfsText);
  if (m && sysfsText.length > 3) merged = (merged | (parseInt(m[1], 16) & SYSFS_FLAGS)) >>> 0;
  return merged;
}

/** The sysfs counters interface_details reports, 64-bit, from /sys/class/net/<if>/statistics. */
export interface SysfsStats {
  rx_packets?: bigint;
  tx_packets?: bigint;
  rx_bytes?: bigint;
  tx_bytes?: bigint;
  rx_errors?: bigint;
  tx_errors?: bigint;
  rx_dropped?: bigint;
  tx_dropped?: bigint;
  collisions?: bigint;
}

const STAT_NAMES = [
  "rx_packets",
  "tx_packets",
  "rx_bytes",
  "tx_bytes",
  "rx_errors",
  "tx_errors",
  "rx_dropped",
  "tx_dropped",
  "collisions",
] as const;

/** Reads an interface's 64-bit counters under `<sysClassNet>/<name>/statistics`; unreadable ones are left out. */
export function readSysfsStats(name: string, sysClassNet: string): SysfsStats {
  const out: SysfsStats = {};
  if (name.includes("/") || name === "." || name === "..") return out;
  for (const stat of STAT_NAMES) {
    const text = readText(`${sysClassNet}/${name}/statistics/${stat}`)?.trim();
    if (text !== undefined && /^\d+$/.test(text)) out[stat] = BigInt(text);
  }
  return out;
}

/** Reads `<sysClassNet>/<name>/flags`, or undefined. */
export function readSysfsFlags(name: string, sysClassNet: string): string | undefined {
  if (name.includes("/") || name === "." || name === "..") return undefined;
  return readText(`${sysClassNet}/${name}/flags`);
}

/** The getifaddrs entries that describe a link (AF_PACKET, or no address at all): one per interface. */
export function linkEntries(entries: readonly IfAddr[]): IfAddr[] {
  return entries.filter((e) => e.addr === undefined || e.addr.family === AF_PACKET);
}
