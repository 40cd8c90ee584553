/**
 * IP addresses as text, the way glibc's inet_ntop(3) writes them: what osquery's network and
 * socket columns show, needed by the network tables (netlink, /proc/net/route) and the processes
 * tables (/proc/net/tcp6) alike.
 *
 * @example
 * ```ts
 * import { formatIpv6 } from "./inet.ts";
 *
 * const loopback = new Uint8Array(16);
 * loopback[15] = 1;
 * if (formatIpv6(loopback) !== "::1") throw new Error("inet_ntop prints ::1");
 * ```
 *
 * @module
 */

/** Formats 4 bytes (network order) as dotted-quad IPv4. */
export function formatIpv4(bytes: ArrayLike<number>, at = 0): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

/**
 * Formats 16 bytes (network order) as IPv6 text the way glibc's inet_ntop does: lowercase, the
 * first longest run (two or more) of zero groups collapsed to `::`, and an embedded dotted quad
 * for IPv4-compatible and IPv4-mapped addresses.
 */
export function formatIpv6(bytes: ArrayLike<number>): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i] << 8) | bytes[i + 1]);
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
      return out + formatIpv4(bytes, 12);
    }
    out += words[i].toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLen === 8) out += ":";
  return out;
}

/** Formats 4 or 16 address bytes as IPv4 or IPv6 text; other lengths give "". */
export function formatIp(bytes: ArrayLike<number>): string {
  if (bytes.length === 4) return formatIpv4(bytes);
  if (bytes.length === 16) return formatIpv6(bytes);
  return "";
}
