/**
 * `dns_resolvers`: the stub resolver's configuration (name servers, sort list, search domains and
 * option bits), read from /etc/resolv.conf with glibc's rules.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { formatIpv4, formatIpv6 } from "../../core/host/inet.ts";
import { readText } from "../../core/host/files.ts";
import { parseIpv6, prefixLength } from "./_lib.ts";

export default registerTable(defineTable({
  name: "dns_resolvers",
  description: "The resolver's name servers, sort list and search domains, with its option bits, from resolv.conf.",
  columns: [
    { name: "id", type: "INTEGER", description: "The entry's position within its type." },
    { name: "type", type: "TEXT", description: "nameserver, sortlist or search." },
    { name: "address", type: "TEXT", description: "The server or sort-list address, or the search domain." },
    {
      name: "netmask",
      type: "TEXT",
      description: "The prefix length: 32 for name servers, the mask for sort lists.",
    },
    { name: "options", type: "BIGINT", description: "The resolver's RES_* option bits (same on every row)." },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Set to a pid to read resolv.conf in that process's mount namespace.",
    },
  ],
  generate(ctx) {
    // The host name's domain is the search list when resolv.conf gives none.
    const hostname = readText(ctx.host.path("/proc/sys/kernel/hostname"))?.trim() ?? "";
    const pids = ctx.integerEquals("pid_with_namespace").filter((pid) => pid > 0);
    if (pids.length > 0) {
      return pids.flatMap((pid) => {
        const text = readText(ctx.host.path(`/proc/${pid}/root/etc/resolv.conf`));
        return text === undefined ? [] : resolverRows(parseResolvConf(text, hostname), pid);
      });
    }
    return resolverRows(parseResolvConf(readText(ctx.host.path("/etc/resolv.conf")) ?? "", hostname));
  },
}));

const MAXNS = 3;
const MAXDNSRCH = 6;
const MAXRESOLVSORT = 10;
/** RES_INIT | RES_RECURSE | RES_DEFNAMES | RES_DNSRCH: what glibc starts from. */
export const RES_DEFAULT_OPTIONS = 0x1 | 0x40 | 0x80 | 0x200;

/** `options` keywords glibc turns into _res.options bits (matched as prefixes, in this order). */
const OPTION_FLAGS: [string, number][] = [
  ["rotate", 0x4000],
  ["edns0", 0x100000],
  ["single-request-reopen", 0x400000],
  ["single-request", 0x200000],
  ["no_tld_query", 0x1000000],
  ["no-tld-query", 0x1000000],
  ["no-reload", 0x2000000],
  ["use-vc", 0x8],
  ["trust-ad", 0x4000000],
  ["no-aaaa", 0x8000000],
];

/**
 * inet_aton(3) accepting the whole string: dotted parts in decimal, octal (leading 0) or hex
 * (0x), with the last part filling the remaining bytes ("127.1" is 127.0.0.1).
 */
export function inetAton(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length === 0 || parts.length > 4) return undefined;
  const values: number[] = [];
  for (const part of parts) {
    let n: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(part)) n = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]*$/.test(part)) n = parseInt(part, 8);
    else if (/^[1-9][0-9]*$/.test(part)) n = parseInt(part, 10);
    else return undefined;
    values.push(n);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255) || last >= 2 ** (8 * (4 - values.length))) return undefined;
  let address = last;
  values.forEach((v, i) => (address += v * 2 ** (8 * (3 - i))));
  return new Uint8Array([address >>> 24, (address >>> 16) & 0xff, (address >>> 8) & 0xff, address & 0xff]);
}

/** The classful mask glibc gives a sort-list address that has none. */
function classfulMask(address: Uint8Array): Uint8Array {
  const first = address[0];
  if ((first & 0x80) === 0) return new Uint8Array([255, 0, 0, 0]);
  if ((first & 0xc0) === 0x80) return new Uint8Array([255, 255, 0, 0]);
  return new Uint8Array([255, 255, 255, 0]);
}

function keyword(line: string, name: string): string | undefined {
  if (!line.startsWith(name)) return undefined;
  const next = line[name.length];
  return next === " " || next === "\t" ? line.slice(name.length) : undefined;
}

/** What glibc's resolver would load from a resolv.conf text. */
export interface ResolverConfig {
  nameservers: string[];
  sortlist: { address: string; prefix: number }[];
  search: string[];
  options: number;
}

/**
 * Parses resolv.conf text as glibc 2.36 does: comment lines start with `;` or `#`; keywords must
 * start the line and be followed by a blank; at most 3 name servers (invalid ones ignored); the
 * last `domain` or `search` line wins (6 entries at most); a sort list of up to 10 address[/mask]
 * pairs; `options` sets flag bits. With no name server, 127.0.0.1 is used; with no search list,
 * the domain part of `hostname` (if any).
 */
export function parseResolvConf(text: string, hostname = ""): ResolverConfig {
  const nameservers: string[] = [];
  let search: string[] = [];
  const sortlist: { address: string; prefix: number }[] = [];
  let options = RES_DEFAULT_OPTIONS;
  for (const line of text.split("\n")) {
    if (line.startsWith(";") || line.startsWith("#")) continue;
    let rest: string | undefined;
    if ((rest = keyword(line, "domain")) !== undefined) {
      const name = rest.trim().split(/[ \t]/)[0];
      if (name) search = [name];
    } else if ((rest = keyword(line, "search")) !== undefined) {
      const names = rest.split(/[ \t]+/).filter((n) => n.length > 0);
      if (names.length > 0) search = names;
    } else if ((rest = keyword(line, "nameserver")) !== undefined) {
      const token = rest.trim().split(/[ \t]/)[0] ?? "";
      const v4 = token ? inetAton(token) : undefined;
      const v6 = v4 || !token ? undefined : parseIpv6(token.split("%")[0]);
      if (v4) nameservers.push(formatIpv4(v4));
      else if (v6) nameservers.push(formatIpv6(v6));
    } else if ((rest = keyword(line, "sortlist")) !== undefined) {
      for (const item of rest.split(";")[0].split(/[ \t]+/).filter((i) => i.length > 0)) {
        const [net, mask] = item.split(/[/&]/, 2);
        const address = inetAton(net);
        if (!address) continue;
        const maskBytes = (mask !== undefined ? inetAton(mask) : undefined) ?? classfulMask(address);
        sortlist.push({ address: formatIpv4(address), prefix: prefixLength(maskBytes) });
      }
    } else if ((rest = keyword(line, "options")) !== undefined) {
      for (const word of rest.split(/[ \t]+/).filter((w) => w.length > 0)) {
        const flag = OPTION_FLAGS.find(([name]) => word.startsWith(name));
        if (flag) options = (options | flag[1]) >>> 0;
      }
    }
  }
  if (nameservers.length === 0) nameservers.push("127.0.0.1");
  if (search.length === 0) {
    const dot = hostname.indexOf(".");
    if (dot >= 0 && dot + 1 < hostname.length) search = [hostname.slice(dot + 1)];
  }
  return {
    nameservers: nameservers.slice(0, MAXNS),
    sortlist: sortlist.slice(0, MAXRESOLVSORT),
    search: search.slice(0, MAXDNSRCH),
    options,
  };
}

/** The dns_resolvers rows for a resolver configuration: name servers, then sort list, then search domains. */
export function resolverRows(config: ResolverConfig, pidWithNamespace = 0): Row[] {
  const rows: Row[] = [];
  const options = config.options;
  const pid_with_namespace = pidWithNamespace;
  config.nameservers.forEach((address, id) =>
    rows.push({ id, type: "nameserver", address, netmask: "32", options, pid_with_namespace })
  );
  config.sortlist.forEach((s, id) =>
    rows.push({ id, type: "sortlist", address: s.address, netmask: String(s.prefix), options, pid_with_namespace })
  );
  config.search.forEach((address, id) => rows.push({ id, type: "search", address, options, pid_with_namespace }));
  return rows;
}
