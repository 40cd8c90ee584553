/**
 * `interface_ipv6`: each interface's effective IPv6 settings (hop limit, forwarding, whether ICMP
 * redirects and router advertisements are accepted) from the sysctls under
 * /proc/sys/net/ipv6/conf, for every interface getifaddrs(3) lists.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText } from "../../core/host/files.ts";
import { getIfAddrs } from "./_libc.ts";
import { linkEntries } from "./_interfaces.ts";

export default registerTable(defineTable({
  name: "interface_ipv6",
  description: "Per-interface IPv6 settings: hop limit, forwarding, and acceptance of redirects and router adverts.",
  columns: [
    { name: "interface", type: "TEXT", description: "The interface's name." },
    { name: "hop_limit", type: "INTEGER", description: "The default hop limit for outgoing packets." },
    { name: "forwarding_enabled", type: "INTEGER", description: "1 when the interface forwards IPv6 packets." },
    { name: "redirect_accept", type: "INTEGER", description: "1 when ICMPv6 redirects are accepted." },
    { name: "rtadv_accept", type: "INTEGER", description: "1 when router advertisements are accepted." },
  ],
  generate(ctx) {
    // The interface list is a kernel call (getifaddrs); the settings are sysctl files under the host's root.
    const confDir = ctx.host.path("/proc/sys/net/ipv6/conf");
    return linkEntries(getIfAddrs() ?? []).map((e) => ipv6Row(e.name, confDir));
  },
}));

/**
 * The effective settings of one interface under the sysctl directory `confDir`, combining its
 * own sysctls with `all` the way the kernel does: redirects are ANDed with `all` when forwarding,
 * ORed otherwise; router advertisements are accepted when accept_ra is 2, or when it is set and
 * forwarding is off. Unreadable settings are -1.
 */
export function ipv6Row(iface: string, confDir: string): Row {
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

/** One integer sysctl of an interface; -1 when unreadable or the name could leave the directory. */
function readSetting(confDir: string, iface: string, setting: string): number {
  if (iface.includes("/") || iface === "." || iface === "..") return -1;
  const text = readText(`${confDir}/${iface}/${setting}`)?.trim();
  return text !== undefined && /^-?\d+$/.test(text) ? Number(text) : -1;
}
