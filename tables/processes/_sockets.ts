/**
 * The socket tables of one network namespace, as procfs shows them through a member process's
 * /proc/<pid>/net: tcp/udp/raw/icmp/udplite (v4 and v6), unix and packet. Addresses come out as
 * inet_ntop(3) text, TCP states by name; malformed lines are skipped and a file whose header is
 * not the expected one gives nothing.
 *
 * @module
 */
import { readText } from "../../core/host/files.ts";
import { formatIpv6 } from "../../core/host/inet.ts";
import { afterFields, fields, parseDecimal, parseHex, trimAscii } from "../../core/host/text.ts";

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
  /** Address family (AF_*). */
  family: number;
  /** IP protocol number; the socket type for unix sockets; the ethertype for packet sockets. */
  protocol: number;
  /** Local address as text ("" for unix and packet sockets). */
  localAddress: string;
  /** Local port (0 when none). */
  localPort: number;
  /** Peer address as text ("" for unix and packet sockets). */
  remoteAddress: string;
  /** Peer port (0 when unconnected). */
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

/** Every socket of one network namespace, read through a member process's `<proc>/<pid>/net`. */
export function namespaceSockets(pid: number, netns: string, proc: string): SocketInfo[] {
  const out: SocketInfo[] = [];
  const dir = `${proc}/${pid}/net/`;
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
