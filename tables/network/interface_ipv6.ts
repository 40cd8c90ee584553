/**
 * interface_ipv6: each interface's effective IPv6 settings (hop limit, forwarding, whether ICMP
 * redirects and router advertisements are accepted) from /proc/sys/net/ipv6/conf.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { getIfAddrs } from "./_libc.ts";
import { readTextOr } from "./_lib.ts";
import type { IfAddrSource } from "./_interfaces.ts";
import { linkEntries } from "./interface_details.ts";

/** The sysctl directory holding one folder per interface, plus `all` and `default`. */
export const IPV6_CONF = "/proc/sys/net/ipv6/conf";

function readSetting(confDir: string, iface: string, setting: string): number {
  if (iface.includes("/") || iface === "." || iface === "..") return -1;
  const text = readTextOr(`${confDir}/${iface}/${setting}`)?.trim();
  return text !== undefined && /^-?\d+$/.test(text) ? Number(text) : -1;
}

/**
 * The effective settings of one interface, combining its own sysctls with `all` the way the
 * kernel does: redirects are ANDed with `all` when forwarding, ORed otherwise; router
 * advertisements are accepted when accept_ra is 2, or when it is set and forwarding is off.
 * Unreadable settings are -1.
 */
export function ipv6Row(iface: string, confDir = IPV6_CONF): Row {
  const forwarding = readSetting(confDir, iface, "forwarding");
  const redirectAll = readSetting(confDir, "all", "accept_redirects");
  const redirect = readSetting(confDir, iface, "accept_redirects");
  const ra = readSetting(confDir, iface, "accept_ra");
  const truthy = (n: number) => n !== 0;
  return {
    interface: iface,
    hop_limit: readSetting(confDir, iface, "hop_limit"),
    forwarding_enabled: forwarding,
    redirect_accept: Number(
      truthy(forwarding) ? truthy(redirectAll) && truthy(redirect) : truthy(redirectAll) || truthy(redirect),
    ),
    rtadv_accept: ra === 2 ? 1 : Number(truthy(ra) && !truthy(forwarding)),
  };
}

/** Options for {@linkcode interfaceIpv6Table}: interface source and sysctl directory. */
export interface InterfaceIpv6Options {
  source?: IfAddrSource;
  confDir?: string;
}

/** The interface_ipv6 table: one row per interface that interface_details lists. */
export function interfaceIpv6Table(options: InterfaceIpv6Options = {}): TableSpec {
  const source = options.source ?? getIfAddrs;
  const confDir = options.confDir ?? IPV6_CONF;
  return defineTable({
    name: "interface_ipv6",
    description: "Per-interface IPv6 settings: hop limit, forwarding, and acceptance of redirects and router adverts.",
    columns: [
      { name: "interface", type: "TEXT", description: "The interface's name." },
      { name: "hop_limit", type: "INTEGER", description: "The default hop limit for outgoing packets." },
      { name: "forwarding_enabled", type: "INTEGER", description: "1 when the interface forwards IPv6 packets." },
      { name: "redirect_accept", type: "INTEGER", description: "1 when ICMPv6 redirects are accepted." },
      { name: "rtadv_accept", type: "INTEGER", description: "1 when router advertisements are accepted." },
    ],
    generate() {
      return linkEntries(source() ?? []).map((e) => ipv6Row(e.name, confDir));
    },
  });
}

export default registerTable(interfaceIpv6Table());
