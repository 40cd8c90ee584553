/**
 * Shared /proc reading and parsing for the processes area: process lists, per-process files
 * (stat, status, io, cgroup, maps, environ, limits), descriptors, namespaces, and the socket
 * tables under /proc/<pid>/net. Every reader takes a `root` (default `/proc`) so tests can point
 * it at a fixture tree, and every parser answers `undefined` (or skips a line) for malformed
 * input instead of throwing.
 *
 * File reads go through core/host's readers (libc with one reusable buffer): a failed read is a
 * return code rather than a thrown exception, which matters when a scan touches thousands of
 * files and processes vanish under it.
 *
 * @module
 */
import { namespaceInode, PROC_ROOT } from "../../core/host/proc.ts";
import { OP, type QueryContext } from "../../core/table.ts";
import { exists, listNames, readLink, readText } from "../../core/host/files.ts";

/** The default procfs mount. */
export { PROC_ROOT };

/** Clock ticks per second for /proc times (USER_HZ, 100 on every Linux architecture). */
export const CLOCK_TICKS = 100;

// Files are read with the host readers of core/host (libc, failures as return codes).
export { exists as pathExists, readLink, readText };

/** Trims ASCII whitespace at both ends (as C's isspace), leaving other characters alone. */
export function trimAscii(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isSpace(s.charCodeAt(start))) start++;
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Parses a string of decimal digits (optionally signed); undefined for anything else. */
export function parseDecimal(s: string): number | undefined {
  const t = trimAscii(s);
  if (t.length === 0) return undefined;
  let i = t.charCodeAt(0) === 45 || t.charCodeAt(0) === 43 ? 1 : 0;
  if (i === t.length) return undefined;
  for (; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return Number(t);
}

/** Parses a string of hex digits; undefined for anything else. */
export function parseHex(s: string): number | undefined {
  if (s.length === 0) return undefined;
  for (let i = 0; i < s.length; i++) {
    if (hexValue(s.charCodeAt(i)) < 0) return undefined;
  }
  return parseInt(s, 16);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** The index just past the first `n` space/tab-separated fields of `line`. */
export function afterFields(line: string, n: number): number {
  let pos = 0;
  for (let k = 0; k < n; k++) {
    while (pos < line.length && (line.charCodeAt(pos) === 32 || line.charCodeAt(pos) === 9)) pos++;
    while (pos < line.length && line.charCodeAt(pos) !== 32 && line.charCodeAt(pos) !== 9) pos++;
  }
  return pos;
}

/** Splits on runs of spaces/tabs, dropping empty fields. */
export function fields(line: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 32 || c === 9) {
      if (start >= 0) {
        out.push(line.slice(start, i));
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(line.slice(start));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

/** Every process id under `root`, ascending. */
export function listPids(root = PROC_ROOT): number[] {
  const pids: number[] = [];
  try {
    for (const entry of Deno.readDirSync(root)) {
      const name = entry.name;
      const c = name.charCodeAt(0);
      if (c < 49 || c > 57) continue; // pids start with 1-9
      const pid = parseDecimal(name);
      if (pid !== undefined && pid > 0 && entry.isDirectory) pids.push(pid);
    }
  } catch {
    // An unreadable procfs lists nothing.
  }
  return pids.sort((a, b) => a - b);
}

/** The pids named in `constrained` that exist under `root`, ascending and distinct. */
export function selectPids(constrained: readonly (number | string)[], root = PROC_ROOT): number[] {
  const out = new Set<number>();
  for (const value of constrained) {
    const pid = typeof value === "number" ? value : parseDecimal(value);
    if (pid === undefined || !Number.isSafeInteger(pid) || pid <= 0) continue;
    if (exists(`${root}/${pid}`)) out.add(pid);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * The pids a pid-indexed table should scan: those named by `pid =`/`IN` constraints that exist
 * (none when every named value is junk), or every process when `pid` is unconstrained.
 */
export function pidsToScan(ctx: QueryContext, root = PROC_ROOT): number[] {
  if (!ctx.hasConstraint("pid", OP.EQUALS)) return listPids(root);
  return selectPids(ctx.integerEquals("pid"), root);
}

/** What /proc/<pid>/stat tells. */
export interface ProcStat {
  /** The command name between the parentheses (raw, as the kernel stores it). */
  comm: string;
  state: string;
  parent: number;
  pgroup: number;
  /** Clock ticks in user mode. */
  utime: number;
  /** Clock ticks in kernel mode. */
  stime: number;
  nice: number;
  threads: number;
  /** Clock ticks after boot when the process started. */
  starttime: number;
}

/** Parses /proc/<pid>/stat; undefined when it is truncated or malformed. */
export function parseStat(content: string): ProcStat | undefined {
  // The command name may hold spaces and parentheses: fields resume after the last ')'.
  const open = content.indexOf("(");
  const close = content.lastIndexOf(")");
  if (open < 0 || close < open || content.length <= close + 2) return undefined;
  const rest = fields(content.slice(close + 2));
  if (rest.length <= 19) return undefined;
  const parent = parseDecimal(rest[1]);
  const pgroup = parseDecimal(rest[2]);
  const utime = parseDecimal(rest[11]);
  const stime = parseDecimal(rest[12]);
  const nice = parseDecimal(rest[16]);
  const threads = parseDecimal(rest[17]);
  const starttime = parseDecimal(rest[19]);
  if (
    parent === undefined || pgroup === undefined || utime === undefined || stime === undefined ||
    nice === undefined || threads === undefined || starttime === undefined
  ) return undefined;
  return {
    comm: content.slice(open + 1, close),
    state: rest[0],
    parent,
    pgroup,
    utime,
    stime,
    nice,
    threads,
    starttime,
  };
}

/**
 * The process name as /proc/<pid>/status prints it: the kernel escapes backslashes and newlines
 * there (but not in stat), and osquery trims it.
 */
export function nameFromComm(comm: string): string {
  let name = comm;
  if (name.includes("\\")) name = name.replaceAll("\\", "\\\\");
  if (name.includes("\n")) name = name.replaceAll("\n", "\\n");
  return trimAscii(name);
}

/** What /proc/<pid>/status tells (fields absent from the file stay undefined). */
export interface ProcStatus {
  name?: string;
  uid?: number;
  euid?: number;
  suid?: number;
  gid?: number;
  egid?: number;
  sgid?: number;
  /** Bytes (VmRSS). */
  residentSize?: number;
  /** Bytes (VmSize). */
  totalSize?: number;
}

/** Parses /proc/<pid>/status; undefined when a memory figure is malformed (osquery drops the row). */
export function parseStatus(content: string): ProcStatus | undefined {
  const out: ProcStatus = {};
  let pos = 0;
  while (pos < content.length) {
    let end = content.indexOf("\n", pos);
    if (end < 0) end = content.length;
    const colon = content.indexOf(":", pos);
    if (colon > pos && colon < end) {
      const key = content.slice(pos, colon);
      switch (key) {
        case "Name":
          out.name = trimAscii(content.slice(colon + 1, end));
          break;
        case "Uid":
        case "Gid": {
          const ids = fields(content.slice(colon + 1, end));
          if (ids.length === 4) {
            const [real, effective, saved] = ids.map(parseDecimal);
            if (key === "Uid") {
              out.uid = real;
              out.euid = effective;
              out.suid = saved;
            } else {
              out.gid = real;
              out.egid = effective;
              out.sgid = saved;
            }
          }
          break;
        }
        case "VmRSS":
        case "VmSize": {
          const kib = parseKib(content.slice(colon + 1, end));
          if (kib === undefined) return undefined;
          if (key === "VmRSS") out.residentSize = kib * 1024;
          else out.totalSize = kib * 1024;
          break;
        }
      }
    }
    pos = end + 1;
  }
  return out;
}

function parseKib(value: string): number | undefined {
  const t = trimAscii(value);
  return t.endsWith(" kB") ? parseDecimal(t.slice(0, -3)) : undefined;
}

/** Bytes read from and written to storage, from /proc/<pid>/io. */
export interface ProcIo {
  readBytes?: number;
  writtenBytes: number;
}

/** Parses /proc/<pid>/io; written bytes net of cancelled writes, as osquery reports them. */
export function parseIo(content: string): ProcIo {
  let readBytes: number | undefined;
  let write = 0;
  let cancelled = 0;
  for (const line of content.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    if (key === "read_bytes") readBytes = parseDecimal(line.slice(colon + 1));
    else if (key === "write_bytes") write = parseDecimal(line.slice(colon + 1)) ?? 0;
    else if (key === "cancelled_write_bytes") cancelled = parseDecimal(line.slice(colon + 1)) ?? 0;
  }
  return { readBytes, writtenBytes: write - cancelled };
}

/** The cgroup path from the first line of /proc/<pid>/cgroup ("0::/user.slice" -> "/user.slice"). */
export function parseCgroup(content: string): string {
  let end = content.indexOf("\n");
  if (end < 0) end = content.length;
  const first = content.indexOf(":");
  if (first < 0 || first > end) return "";
  const second = content.indexOf(":", first + 1);
  if (second < 0 || second > end) return "";
  return content.slice(second + 1, end);
}

/** The argv of /proc/<pid>/cmdline joined by spaces and trimmed ("" for kernel threads). */
export function parseCmdline(content: string): string {
  return trimAscii(content.replaceAll("\0", " "));
}

/** Boot time in seconds since the epoch (btime of <root>/stat), or 0 when unknown. */
export function bootTime(root = PROC_ROOT): number {
  const cached = bootTimes.get(root);
  if (cached !== undefined) return cached;
  const content = readText(`${root}/stat`) ?? "";
  const at = content.indexOf("btime ");
  let value = 0;
  if (at >= 0) {
    const end = content.indexOf("\n", at);
    value = parseDecimal(content.slice(at + 6, end < 0 ? content.length : end)) ?? 0;
  }
  // The boot time never changes while we run; an unknown one is retried next time.
  if (value > 0) bootTimes.set(root, value);
  return value;
}
const bootTimes = new Map<string, number>();

/**
 * Whether the process's executable is on disk, as osquery's tri-state: 1 yes, 0 no, -1 unknown.
 * Also returns the path with a kernel " (deleted)" marker removed when the file is really gone.
 */
export function onDisk(exe: string, mapsPath: string): { path: string; onDisk: number } {
  if (exe === "") return { path: exe, onDisk: -1 };
  const deleted = " (deleted)";
  if (!exe.endsWith(deleted)) return { path: exe, onDisk: exists(exe) ? 1 : 0 };
  const stripped = exe.slice(0, -deleted.length);
  if (!exists(exe)) return { path: stripped, onDisk: 0 };
  // A file really named "... (deleted)" exists: it is ours only if its inode is the mapped one.
  const maps = readText(mapsPath);
  if (maps === undefined) return { path: exe, onDisk: -1 };
  let inode: string | undefined;
  for (const entry of parseMaps(maps)) {
    if (entry.path.startsWith(exe)) {
      inode = String(entry.inode);
      break;
    }
  }
  if (inode === undefined) return { path: exe, onDisk: -1 };
  try {
    const st = Deno.statSync(exe);
    if (String(st.ino) === inode) return { path: exe, onDisk: 1 };
  } catch {
    return { path: exe, onDisk: -1 };
  }
  return { path: stripped, onDisk: 0 };
}

/** One line of /proc/<pid>/maps. */
export interface MapEntry {
  start: string;
  end: string;
  permissions: string;
  offset: number;
  device: string;
  inode: number;
  path: string;
}

/** Parses /proc/<pid>/maps, skipping malformed lines. */
export function parseMaps(content: string): MapEntry[] {
  const out: MapEntry[] = [];
  const f: string[] = ["", "", "", "", ""];
  let lineStart = 0;
  while (lineStart < content.length) {
    let lineEnd = content.indexOf("\n", lineStart);
    if (lineEnd < 0) lineEnd = content.length;
    // address perms offset dev inode [path...]: five blank-separated fields, then the path
    // (which may itself hold spaces) up to the end of the line.
    let pos = lineStart;
    let n = 0;
    for (; n < 5; n++) {
      while (pos < lineEnd && isBlank(content.charCodeAt(pos))) pos++;
      if (pos === lineEnd) break;
      const start = pos;
      while (pos < lineEnd && !isBlank(content.charCodeAt(pos))) pos++;
      f[n] = content.slice(start, pos);
    }
    lineStart = lineEnd + 1;
    if (n < 5) continue;
    const dash = f[0].indexOf("-");
    if (dash <= 0 || dash === f[0].length - 1) continue;
    const inode = parseDecimal(f[4]);
    if (inode === undefined) continue;
    out.push({
      start: f[0].slice(0, dash),
      end: f[0].slice(dash + 1),
      permissions: f[1],
      offset: parseHex(f[2]) ?? -1,
      device: f[3],
      inode,
      path: pos < lineEnd ? trimAscii(content.slice(pos, lineEnd)) : "",
    });
  }
  return out;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}

/**
 * Parses /proc/<pid>/environ (NUL-separated KEY=VALUE) up to the first empty entry. An entry
 * without `=` is both key and value, as osquery's substring arithmetic reports it.
 */
export function parseEnviron(content: string): [string, string][] {
  const out: [string, string][] = [];
  let pos = 0;
  while (pos < content.length) {
    let end = content.indexOf("\0", pos);
    if (end < 0) end = content.length;
    if (end === pos) break;
    const entry = content.slice(pos, end);
    const eq = entry.indexOf("=");
    out.push(eq < 0 ? [entry, entry] : [entry.slice(0, eq), entry.slice(eq + 1)]);
    pos = end + 1;
  }
  return out;
}

export { namespaceInode };
export { NAMESPACES, parseNamespaceLink } from "../../core/host/proc.ts";

/** The open descriptors of `pid` as [fd, link target] pairs, ascending by fd. */
export function descriptors(pid: number, root = PROC_ROOT): [number, string][] {
  const dir = `${root}/${pid}/fd`;
  const out: [number, string][] = [];
  for (const name of listNames(dir)) {
    const fd = parseDecimal(name);
    if (fd === undefined) continue;
    const link = readLink(`${dir}/${name}`);
    if (link !== undefined) out.push([fd, link]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** The inode named by a "socket:[N]" descriptor link, or undefined for other descriptors. */
export function socketInode(link: string): string | undefined {
  if (!link.startsWith("socket:[") || !link.endsWith("]")) return undefined;
  return link.slice(8, -1);
}

/** Resource limits from /proc/<pid>/limits, keyed by osquery's names (cpu, fsize, ...). */
export interface Limit {
  type: string;
  soft: string;
  hard: string;
}

const LIMIT_NAMES: Record<string, string> = {
  "Max cpu time": "cpu",
  "Max file size": "fsize",
  "Max data size": "data",
  "Max stack size": "stack",
  "Max core file size": "core",
  "Max resident set": "rss",
  "Max processes": "nproc",
  "Max open files": "nofile",
  "Max locked memory": "memlock",
  "Max address space": "as",
  "Max file locks": "locks",
  "Max pending signals": "sigpending",
  "Max msgqueue size": "msgqueue",
  "Max nice priority": "nice",
  "Max realtime priority": "rtprio",
};

/** Parses a limits file; rows sorted by type name (osquery's order), unknown lines skipped. */
export function parseLimits(content: string): Limit[] {
  const out: Limit[] = [];
  for (const line of content.split("\n")) {
    // Columns are fixed-width: a 26-character name, then soft, hard and units.
    const label = line.slice(0, 26).trimEnd();
    const type = LIMIT_NAMES[label];
    if (type === undefined) continue;
    const values = fields(line.slice(26));
    if (values.length < 2) continue;
    const [soft, hard] = values;
    if (!isLimitValue(soft) || !isLimitValue(hard)) continue;
    out.push({ type, soft, hard });
  }
  return out.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

function isLimitValue(v: string): boolean {
  return v === "unlimited" || parseDecimal(v) !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Sockets
// ---------------------------------------------------------------------------------------------

/** Address families, as Linux numbers them. */
export const AF_UNIX = 1;
/** IPv4. */
export const AF_INET = 2;
/** IPv6. */
export const AF_INET6 = 10;
/** Link-layer (packet) sockets. */
export const AF_PACKET = 17;

/** IP protocols with a /proc/net table, in osquery's order (by number), with their file names. */
export const INET_PROTOCOLS: readonly [number, string][] = [
  [1, "icmp"],
  [6, "tcp"],
  [17, "udp"],
  [136, "udplite"],
  [255, "raw"],
];

const TCP_STATES = [
  "UNKNOWN",
  "ESTABLISHED",
  "SYN_SENT",
  "SYN_RECV",
  "FIN_WAIT1",
  "FIN_WAIT2",
  "TIME_WAIT",
  "CLOSED",
  "CLOSE_WAIT",
  "LAST_ACK",
  "LISTEN",
  "CLOSING",
];

/** One socket from a /proc/net table. */
export interface SocketInfo {
  /** Socket inode, as text. */
  inode: string;
  family: number;
  protocol: number;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Path of a unix socket ("" otherwise). */
  path: string;
  /** TCP state name, "NONE" for packet sockets, "" otherwise. */
  state: string;
  /** Network namespace inode, as text ("0" when unknown). */
  netns: string;
}

/** Decodes a /proc/net address (hex, host byte order per 32-bit word) to text; "" when malformed. */
export function decodeAddress(hex: string, family: number): string {
  if (family === AF_INET) {
    if (hex.length !== 8 || parseHex(hex) === undefined) return "";
    // One 32-bit word printed in host (little-endian) order: bytes come out reversed.
    return `${parseInt(hex.slice(6, 8), 16)}.${parseInt(hex.slice(4, 6), 16)}.${parseInt(hex.slice(2, 4), 16)}.${
      parseInt(hex.slice(0, 2), 16)
    }`;
  }
  if (family === AF_INET6) {
    if (hex.length !== 32 || parseHex(hex) === undefined) return "";
    const bytes = new Array<number>(16);
    for (let word = 0; word < 4; word++) {
      for (let b = 0; b < 4; b++) {
        const at = word * 8 + (3 - b) * 2;
        bytes[word * 4 + b] = parseInt(hex.slice(at, at + 2), 16);
      }
    }
    return formatIpv6(bytes);
  }
  return "";
}

/** Formats 16 bytes as inet_ntop(3) does (longest zero run compressed, IPv4 tail for mapped forms). */
export function formatIpv6(bytes: readonly number[]): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((bytes[2 * i] << 8) | bytes[2 * i + 1]);
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase < 0) {
        curBase = i;
        curLen = 1;
      } else curLen++;
    } else if (curBase >= 0) {
      if (curLen > bestLen) [bestBase, bestLen] = [curBase, curLen];
      curBase = -1;
    }
  }
  if (curBase >= 0 && curLen > bestLen) [bestBase, bestLen] = [curBase, curLen];
  if (bestLen < 2) bestBase = -1;
  let out = "";
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ":";
      continue;
    }
    if (i !== 0) out += ":";
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
      return out;
    }
    out += words[i].toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ":";
  return out;
}

function decodePort(hex: string): number {
  return hex.length === 4 ? parseHex(hex) ?? 0 : 0;
}

/** The text lines of a /proc/net file after its header, or undefined when the header is not `prefixes`. */
function bodyLines(content: string, prefixes: readonly string[]): string[] | undefined {
  const lines = content.split("\n");
  let first = 0;
  while (first < lines.length && trimAscii(lines[first]) === "") first++;
  if (first === lines.length) return undefined;
  const header = trimAscii(lines[first]);
  if (!prefixes.some((p) => header.startsWith(p))) return undefined;
  return lines.slice(first + 1);
}

/** Parses /proc/net/{tcp,udp,raw,icmp,udplite}[6]; malformed lines are skipped. */
export function parseInetSockets(
  content: string,
  family: number,
  protocol: number,
  netns: string,
  out: SocketInfo[] = [],
): SocketInfo[] {
  const lines = bodyLines(content, ["sl", "sk"]);
  if (lines === undefined) return out;
  for (const line of lines) {
    const f = fields(line);
    if (f.length < 10) continue;
    const local = f[1].split(":");
    const remote = f[2].split(":");
    if (local.length !== 2 || remote.length !== 2) continue;
    const localAddress = decodeAddress(local[0], family);
    const remoteAddress = decodeAddress(remote[0], family);
    if (localAddress === "" || remoteAddress === "") continue;
    let state = "";
    if (protocol === 6) {
      const n = parseHex(f[3]);
      state = n === undefined || n === 0 || n >= TCP_STATES.length ? "UNKNOWN" : TCP_STATES[n];
    }
    out.push({
      inode: f[9],
      family,
      protocol,
      localAddress,
      localPort: decodePort(local[1]),
      remoteAddress,
      remotePort: decodePort(remote[1]),
      path: "",
      state,
      netns,
    });
  }
  return out;
}

/** Parses /proc/net/unix; the path may hold spaces. */
export function parseUnixSockets(content: string, netns: string, out: SocketInfo[] = []): SocketInfo[] {
  const lines = bodyLines(content, ["Num"]);
  if (lines === undefined) return out;
  for (const line of lines) {
    const f = fields(line);
    if (f.length < 7) continue;
    // Everything after the inode column, as written (a path may hold spaces).
    const path = f.length > 7 ? trimAscii(line.slice(afterFields(line, 7))) : "";
    out.push({
      inode: f[6],
      family: AF_UNIX,
      protocol: parseDecimal(f[2]) ?? 0,
      localAddress: "",
      localPort: 0,
      remoteAddress: "",
      remotePort: 0,
      path,
      state: "",
      netns,
    });
  }
  return out;
}

/** Parses /proc/net/packet. */
export function parsePacketSockets(content: string, netns: string, out: SocketInfo[] = []): SocketInfo[] {
  const lines = bodyLines(content, ["sl", "sk"]);
  if (lines === undefined) return out;
  for (const line of lines) {
    const f = fields(line);
    if (f.length < 9) continue;
    out.push({
      inode: f[8],
      family: AF_PACKET,
      protocol: decodePort(f[3]),
      localAddress: "",
      localPort: 0,
      remoteAddress: "",
      remotePort: 0,
      path: "",
      state: "NONE",
      netns,
    });
  }
  return out;
}

/** Every socket of one network namespace, read through a member process's /proc/<pid>/net. */
export function namespaceSockets(pid: number, netns: string, root = PROC_ROOT): SocketInfo[] {
  const out: SocketInfo[] = [];
  const dir = `${root}/${pid}/net/`;
  for (const [protocol, file] of INET_PROTOCOLS) {
    const v4 = readText(dir + file);
    if (v4 !== undefined) parseInetSockets(v4, AF_INET, protocol, netns, out);
    const v6 = readText(dir + file + "6");
    if (v6 !== undefined) parseInetSockets(v6, AF_INET6, protocol, netns, out);
  }
  const unix = readText(dir + "unix");
  if (unix !== undefined) parseUnixSockets(unix, netns, out);
  const packet = readText(dir + "packet");
  if (packet !== undefined) parsePacketSockets(packet, netns, out);
  return out;
}

/** A socket matched to the process holding it (pid/fd -1 when no process holds it). */
export interface OpenSocket extends SocketInfo {
  pid: number;
  fd: number;
}

/**
 * Sockets per network namespace, kept only for the rest of the current synchronous run (one
 * query, including every per-pid scan of a join) and never longer than a moment.
 */
const namespaceCache = new Map<string, { at: number; byInode: Map<string, SocketInfo>; list: SocketInfo[] }>();
let cacheClearScheduled = false;
const CACHE_LIFETIME_MS = 250;

function cachedNamespaceSockets(
  pid: number,
  netns: string,
  root: string,
  needed: readonly string[],
): { byInode: Map<string, SocketInfo>; list: SocketInfo[] } {
  const key = `${root}\0${netns}`;
  const hit = namespaceCache.get(key);
  if (hit && performance.now() - hit.at < CACHE_LIFETIME_MS && needed.every((i) => hit.byInode.has(i))) return hit;
  const list = namespaceSockets(pid, netns, root);
  const byInode = new Map<string, SocketInfo>();
  for (const s of list) byInode.set(s.inode, s);
  const entry = { at: performance.now(), byInode, list };
  namespaceCache.set(key, entry);
  if (!cacheClearScheduled) {
    cacheClearScheduled = true;
    queueMicrotask(() => {
      namespaceCache.clear();
      cacheClearScheduled = false;
    });
  }
  return entry;
}

/**
 * Open sockets as osquery's process_open_sockets finds them. With `pids` (from `pid =`/`IN`),
 * only sockets those processes hold; without, every socket of every namespace a process is
 * in, including ones no process holds (pid -1).
 */
export function openSockets(pids: readonly number[] | undefined, root = PROC_ROOT): OpenSocket[] {
  const filtered = pids !== undefined;
  const scan = filtered ? pids : listPids(root);
  const holders = new Map<string, { pid: number; fd: number }>();
  const namespacesRead = new Set<string>();
  // Socket inodes are unique across the host (one sockfs), so a socket met twice (a namespace
  // read through two views) is listed once.
  const listed = new Set<string>();
  const sockets: SocketInfo[] = [];
  const addFrom = (list: readonly SocketInfo[]) => {
    for (const s of list) {
      if (listed.has(s.inode)) continue;
      listed.add(s.inode);
      sockets.push(s);
    }
  };
  // Processes whose namespace link is unreadable are read last, under namespace "0", so their
  // view only adds sockets no known namespace listed.
  const unknownNamespace: [number, string[]][] = [];
  for (const pid of scan) {
    const inodes: string[] = [];
    const dir = `${root}/${pid}/fd`;
    for (const name of listNames(dir)) {
      const link = readLink(`${dir}/${name}`);
      if (link === undefined) continue;
      const inode = socketInode(link);
      if (inode === undefined) continue;
      const fd = parseDecimal(name);
      if (fd === undefined) continue;
      holders.set(inode, { pid, fd });
      inodes.push(inode);
    }
    // A filtered scan needs no socket tables for a process that holds no sockets.
    if (filtered && inodes.length === 0) continue;
    const netns = namespaceInode(pid, "net", root);
    if (netns === undefined) {
      unknownNamespace.push([pid, inodes]);
      continue;
    }
    if (namespacesRead.has(netns)) continue;
    namespacesRead.add(netns);
    addFrom(filtered ? cachedNamespaceSockets(pid, netns, root, inodes).list : namespaceSockets(pid, netns, root));
  }
  // Of those, the first view is read, and another only when it holds a socket not yet listed.
  for (let i = 0; i < unknownNamespace.length; i++) {
    const [pid, inodes] = unknownNamespace[i];
    if (i > 0 && inodes.every((inode) => listed.has(inode))) continue;
    addFrom(namespaceSockets(pid, "0", root));
  }
  const out: OpenSocket[] = [];
  for (const s of sockets) {
    const holder = holders.get(s.inode);
    if (holder === undefined && filtered) continue;
    out.push({ ...s, pid: holder?.pid ?? -1, fd: holder?.fd ?? -1 });
  }
  return out;
}
