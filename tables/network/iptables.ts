/**
 * `iptables`: the rules and chain policies of each legacy iptables (ip_tables) table, read from the
 * kernel with the same getsockopt calls libiptc makes, and decoded from the kernel's ipt_entry
 * layout here.
 *
 * @module
 */
import { defineTable, type Row, TableError } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { formatIpv4 } from "../../core/host/inet.ts";
import { readText } from "../../core/host/files.ts";
import { toHex } from "./_lib.ts";
import { AF_INET, libc, readCString, SOCK_RAW } from "./_libc.ts";
import { errno } from "../../core/host/libc.ts";

export default registerTable(defineTable({
  name: "iptables",
  description: "Legacy iptables rules and chain policies of every loaded ip_tables table, with counters.",
  columns: [
    { name: "filter_name", type: "TEXT", description: "The table (filter, nat, mangle, raw, security)." },
    { name: "chain", type: "TEXT", description: "The chain the rule belongs to." },
    { name: "policy", type: "TEXT", description: "The chain's policy (builtin chains)." },
    {
      name: "target",
      type: "TEXT",
      description: "Where a matching packet goes (ACCEPT, DROP, a chain, an extension target).",
    },
    { name: "protocol", type: "INTEGER", description: "The IP protocol number matched (0 for any)." },
    { name: "src_port", type: "TEXT", description: "Source port range (from:to) of a tcp/udp match." },
    { name: "dst_port", type: "TEXT", description: "Destination port range (from:to) of a tcp/udp match." },
    { name: "src_ip", type: "TEXT", description: "Source address matched, '!' when inverted." },
    { name: "src_mask", type: "TEXT", description: "Source address mask." },
    { name: "iniface", type: "TEXT", description: "Input interface matched, or all." },
    { name: "iniface_mask", type: "TEXT", description: "Input interface mask, hex." },
    { name: "dst_ip", type: "TEXT", description: "Destination address matched, '!' when inverted." },
    { name: "dst_mask", type: "TEXT", description: "Destination address mask." },
    { name: "outiface", type: "TEXT", description: "Output interface matched, or all." },
    { name: "outiface_mask", type: "TEXT", description: "Output interface mask, hex." },
    { name: "match", type: "TEXT", description: "yes when the rule uses match extensions." },
    { name: "packets", type: "INTEGER", description: "Packets matched by the rule (policy counters on chain rows)." },
    { name: "bytes", type: "INTEGER", description: "Bytes matched by the rule (policy counters on chain rows)." },
  ],
  generate(ctx) {
    // Which tables are loaded is a file; their rules come from the kernel (getsockopt), always this machine's.
    return loadedTablesRows(readText(ctx.host.path("/proc/net/ip_tables_names")) ?? "");
  },
}));

const EPERM = 1, EACCES = 13;

/** The kernel refused for want of privilege: say so rather than return no rows. */
function refusedForPrivilege(code: number, what: string): TableError | undefined {
  if (code !== EPERM && code !== EACCES) return undefined;
  return new TableError(
    `iptables: the kernel refused ${what} (${code === EPERM ? "EPERM" : "EACCES"}): reading the ip_tables rules ` +
      `needs CAP_NET_ADMIN and CAP_NET_RAW; run as root, or add them to the service's CapabilityBoundingSet.`,
  );
}

const IPT_SO_GET_INFO = 64;
const IPT_SO_GET_ENTRIES = 65;
const IPPROTO_RAW = 255;
const SOL_IP = 0;
/** sizeof(struct ipt_entry) on Linux. */
const ENTRY_SIZE = 112;
/** sizeof(struct xt_entry_match) / xt_entry_target headers. */
const XT_HEADER = 32;
const HOOK_NAMES = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];
const VERDICTS: Record<number, string> = { [-1]: "DROP", [-2]: "ACCEPT", [-4]: "QUEUE", [-5]: "RETURN" };
const INV = { VIA_IN: 0x01, VIA_OUT: 0x02, SRCIP: 0x08, DSTIP: 0x10, PROTO: 0x40 };

/** struct ipt_getinfo: which hooks the table serves and where each chain starts and ends. */
export interface IptInfo {
  validHooks: number;
  hookEntry: number[];
  underflow: number[];
  numEntries: number;
  size: number;
}

/** Decodes struct ipt_getinfo (84 bytes: name[32], valid_hooks, hook_entry[5], underflow[5], num_entries, size). */
export function parseIptInfo(bytes: Uint8Array): IptInfo | undefined {
  if (bytes.length < 84) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number) => v.getUint32(at, true);
  return {
    validHooks: u32(32),
    hookEntry: [0, 1, 2, 3, 4].map((i) => u32(36 + i * 4)),
    underflow: [0, 1, 2, 3, 4].map((i) => u32(56 + i * 4)),
    numEntries: u32(76),
    size: u32(80),
  };
}

interface Entry {
  offset: number;
  bytes: Uint8Array;
  view: DataView;
  targetName: string;
  /** Standard target verdict, or the error target's chain name. */
  verdict?: number;
  errorName?: string;
}

function readEntries(blob: Uint8Array): Entry[] {
  const entries: Entry[] = [];
  for (let offset = 0; offset + ENTRY_SIZE <= blob.length;) {
    const view = new DataView(blob.buffer, blob.byteOffset + offset, blob.length - offset);
    const targetOffset = view.getUint16(88, true);
    const nextOffset = view.getUint16(90, true);
    if (nextOffset < ENTRY_SIZE || offset + nextOffset > blob.length) break;
    if (targetOffset < ENTRY_SIZE || targetOffset + XT_HEADER > nextOffset) break;
    const bytes = blob.subarray(offset, offset + nextOffset);
    const target = bytes.subarray(targetOffset);
    const entry: Entry = { offset, bytes, view, targetName: readCString(target.subarray(2, 31)) };
    if (entry.targetName === "" && target.length >= XT_HEADER + 4) {
      entry.verdict = new DataView(target.buffer, target.byteOffset).getInt32(XT_HEADER, true);
    } else if (entry.targetName === "ERROR") {
      entry.errorName = readCString(target.subarray(XT_HEADER, XT_HEADER + 30));
    }
    entries.push(entry);
    offset += nextOffset;
  }
  return entries;
}

interface Chain {
  name: string;
  rules: Entry[];
  /** The builtin chain's policy entry; undefined for user chains. */
  policy?: Entry;
  /** Where a jump to this chain lands: its first rule (or tail). */
  jumpOffset: number;
}

function findChains(info: IptInfo, entries: Entry[]): Chain[] {
  const byOffset = new Map(entries.map((e, i) => [e.offset, i]));
  const builtins: Chain[] = [];
  HOOK_NAMES.forEach((name, hook) => {
    if ((info.validHooks & (1 << hook)) === 0) return;
    const start = byOffset.get(info.hookEntry[hook]);
    const end = byOffset.get(info.underflow[hook]);
    if (start === undefined || end === undefined || end < start) return;
    builtins.push({
      name,
      rules: entries.slice(start, end),
      policy: entries[end],
      jumpOffset: info.hookEntry[hook],
    });
  });
  builtins.sort((a, b) => a.jumpOffset - b.jumpOffset);
  const builtinStarts = new Set(builtins.map((b) => b.jumpOffset));
  const users: Chain[] = [];
  entries.forEach((e, i) => {
    if (e.errorName === undefined || e.errorName === "ERROR" || i + 1 >= entries.length) return;
    let tail = i + 1;
    while (
      tail + 1 < entries.length && entries[tail + 1].errorName === undefined &&
      !builtinStarts.has(entries[tail + 1].offset)
    ) tail++;
    // The chain's last entry is its RETURN tail; the rules sit between head and tail.
    users.push({ name: e.errorName, rules: entries.slice(i + 1, tail), jumpOffset: entries[i + 1].offset });
  });
  users.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return [...builtins, ...users];
}

function targetText(entry: Entry, chainAt: Map<number, string>): string {
  if (entry.targetName !== "") return entry.targetName;
  const verdict = entry.verdict;
  if (verdict === undefined) return "";
  if (verdict < 0) return VERDICTS[verdict] ?? "";
  if (verdict === entry.offset + entry.bytes.length) return ""; // falls through to the next rule
  return chainAt.get(verdict) ?? "";
}

function interfaceMask(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return toHex(end < 0 ? bytes : bytes.subarray(0, end), "", true);
}

function ruleColumns(entry: Entry, chainAt: Map<number, string>): Row {
  const b = entry.bytes, v = entry.view;
  const invflags = b[83];
  const inv = (flag: number) => ((invflags & flag) !== 0 ? "!" : "");
  const proto = v.getUint16(80, true);
  const targetOffset = v.getUint16(88, true);
  const row: Row = { target: targetText(entry, chainAt), match: targetOffset > ENTRY_SIZE ? "yes" : "no" };
  row.src_port = "";
  row.dst_port = "";
  for (let at = ENTRY_SIZE; at + XT_HEADER <= targetOffset;) {
    const size = v.getUint16(at, true);
    if (size < XT_HEADER || at + size > targetOffset) break;
    const name = readCString(b.subarray(at + 2, at + 31));
    if ((name === "tcp" && proto === 6) || (name === "udp" && proto === 17)) {
      if (size >= XT_HEADER + 8) {
        const port = (i: number) => v.getUint16(at + XT_HEADER + i * 2, true);
        row.src_port = `${port(0)}:${port(1)}`;
        row.dst_port = `${port(2)}:${port(3)}`;
      }
      break;
    }
    at += size;
  }
  const iniface = readCString(b.subarray(16, 32)), outiface = readCString(b.subarray(32, 48));
  Object.assign(row, {
    protocol: inv(INV.PROTO) + proto,
    iniface: iniface ? inv(INV.VIA_IN) + iniface : "all",
    outiface: outiface ? inv(INV.VIA_OUT) + outiface : "all",
    src_ip: inv(INV.SRCIP) + formatIpv4(b.subarray(0, 4)),
    dst_ip: inv(INV.DSTIP) + formatIpv4(b.subarray(4, 8)),
    src_mask: formatIpv4(b.subarray(8, 12)),
    dst_mask: formatIpv4(b.subarray(12, 16)),
    iniface_mask: interfaceMask(b.subarray(48, 64)),
    outiface_mask: interfaceMask(b.subarray(64, 80)),
    packets: v.getBigUint64(96, true),
    bytes: v.getBigUint64(104, true),
  });
  return row;
}

/**
 * The rows of one table from its ipt_getinfo and entry blob, in libiptc's chain order (builtin
 * chains by hook, then user chains by name): each chain's rules, then a row for the chain itself
 * with its policy and policy counters. A truncated or inconsistent blob yields what parses.
 */
export function iptablesRows(filter: string, info: IptInfo, blob: Uint8Array): Row[] {
  const entries = readEntries(blob);
  const chains = findChains(info, entries);
  const chainAt = new Map(chains.filter((c) => !c.policy).map((c) => [c.jumpOffset, c.name]));
  const rows: Row[] = [];
  for (const chain of chains) {
    const base: Row = { filter_name: filter, chain: chain.name, policy: "", packets: 0, bytes: 0 };
    if (chain.policy) {
      base.policy = targetText(chain.policy, chainAt);
      base.packets = chain.policy.view.getBigUint64(96, true);
      base.bytes = chain.policy.view.getBigUint64(104, true);
    }
    for (const rule of chain.rules) rows.push({ ...base, ...ruleColumns(rule, chainAt) });
    rows.push(base);
  }
  return rows;
}

/**
 * Reads one table's info and entries from the kernel; undefined when the kernel has no such
 * table. Throws a {@linkcode TableError} when the kernel refuses for want of privilege.
 */
export function readKernelTable(name: string): { info: IptInfo; blob: Uint8Array } | undefined {
  const c = libc();
  if (!c) return undefined;
  const fd = c.socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (fd < 0) {
    const refused = refusedForPrivilege(errno(), "a raw socket");
    if (refused) throw refused;
    return undefined;
  }
  try {
    const nameBytes = new TextEncoder().encode(name).subarray(0, 31);
    const infoBuf = new Uint8Array(84);
    infoBuf.set(nameBytes);
    const length = new Uint32Array([84]);
    if (c.getsockopt(fd, SOL_IP, IPT_SO_GET_INFO, infoBuf, new Uint8Array(length.buffer)) !== 0) {
      const refused = refusedForPrivilege(errno(), `the rules of table ${name}`);
      if (refused) throw refused;
      return undefined;
    }
    const info = parseIptInfo(infoBuf);
    if (!info || info.size > 256 * 1024 * 1024) return undefined;
    const request = new Uint8Array(40 + info.size);
    request.set(nameBytes);
    new DataView(request.buffer).setUint32(32, info.size, true);
    length[0] = request.length;
    if (c.getsockopt(fd, SOL_IP, IPT_SO_GET_ENTRIES, request, new Uint8Array(length.buffer)) !== 0) return undefined;
    return { info, blob: request.subarray(40, 40 + info.size) };
  } finally {
    c.close(fd);
  }
}

/**
 * The rows of every table named in `names` (the text of /proc/net/ip_tables_names, one per line),
 * each read with `read` (the kernel's getsockopt by default).
 */
export function loadedTablesRows(
  names: string,
  read: (name: string) => { info: IptInfo; blob: Uint8Array } | undefined = readKernelTable,
): Row[] {
  const rows: Row[] = [];
  for (const line of names.split("\n")) {
    const name = line.trim();
    if (!name) continue;
    const table = read(name);
    if (table) rows.push(...iptablesRows(name, table.info, table.blob));
  }
  return rows;
}
