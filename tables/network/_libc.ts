/**
 * The libc calls the network tables make over Deno FFI: getifaddrs(3), ioctl(2) on a datagram
 * socket (interface MTU, hardware address, ethtool), netlink sockets (routes) and getsockopt(2)
 * (iptables), over the process-wide binding in core/host/libc.ts. Every wrapper returns `undefined`
 * when libc or the call is unavailable, so tables degrade to fewer rows or columns, never to a crash.
 *
 * @module
 */

import {
  AF_INET,
  AF_INET6,
  AF_PACKET,
  type LibcSymbols,
  readCString,
  SOCK_DGRAM,
  tryLibc,
} from "../../core/host/libc.ts";

export {
  AF_INET,
  AF_INET6,
  AF_NETLINK,
  AF_PACKET,
  cPath as cString,
  readCString,
  SOCK_DGRAM,
  SOCK_RAW,
  tryLibc as libc,
} from "../../core/host/libc.ts";

/** libc's symbols (the process-wide binding in core/host/libc.ts). */
export type NetLibc = LibcSymbols;

/** One socket address from getifaddrs: its family and raw address bytes. */
export interface SockAddr {
  family: number;
  /** 4 bytes (IPv4), 16 (IPv6), or the hardware address (AF_PACKET). */
  address: Uint8Array;
  /** IPv6 scope id (interface index of a link-local address); 0 otherwise. */
  scopeId: number;
  /** AF_PACKET: the ARPHRD_* hardware type. */
  hatype?: number;
}

/** One getifaddrs entry, copied out of libc's memory. */
export interface IfAddr {
  name: string;
  flags: number;
  addr?: SockAddr;
  netmask?: SockAddr;
  /** Broadcast or point-to-point peer address (which one depends on IFF_BROADCAST). */
  dstaddr?: SockAddr;
  /** AF_PACKET entries: struct rtnl_link_stats counters (32-bit). */
  stats?: LinkStats32;
}

/** The 32-bit counters of struct rtnl_link_stats that osquery reports. */
export interface LinkStats32 {
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  rxErrors: number;
  txErrors: number;
  rxDropped: number;
  txDropped: number;
  collisions: number;
}

function readSockAddr(pointer: Deno.PointerValue): SockAddr | undefined {
  if (pointer === null) return undefined;
  const view = new Deno.UnsafePointerView(pointer);
  const family = view.getUint16(0);
  if (family === AF_INET) {
    return { family, address: new Uint8Array(view.getArrayBuffer(4, 4).slice(0)), scopeId: 0 };
  }
  if (family === AF_INET6) {
    return { family, address: new Uint8Array(view.getArrayBuffer(16, 8).slice(0)), scopeId: view.getUint32(24) };
  }
  if (family === AF_PACKET) {
    // struct sockaddr_ll: family, protocol, ifindex(4), hatype(8), pkttype, halen(11), addr[8](12)
    const halen = Math.min(view.getUint8(11), 8);
    return {
      family,
      address: new Uint8Array(view.getArrayBuffer(halen, 12).slice(0)),
      scopeId: 0,
      hatype: view.getUint16(8),
    };
  }
  return { family, address: new Uint8Array(0), scopeId: 0 };
}

/** Every getifaddrs(3) entry, in libc's order, or `undefined` when the call is unavailable. */
export function getIfAddrs(): IfAddr[] | undefined {
  const c = tryLibc();
  if (!c) return undefined;
  const head = new BigUint64Array(1);
  if (c.getifaddrs(new Uint8Array(head.buffer)) !== 0) return undefined;
  const first = Deno.UnsafePointer.create(head[0]);
  const out: IfAddr[] = [];
  try {
    // struct ifaddrs: next(0) name(8) flags(16) addr(24) netmask(32) ifu(40) data(48)
    for (let p = first; p !== null;) {
      const view = new Deno.UnsafePointerView(p);
      const namePointer = view.getPointer(8);
      const entry: IfAddr = {
        name: namePointer === null ? "" : Deno.UnsafePointerView.getCString(namePointer),
        flags: view.getUint32(16),
        addr: readSockAddr(view.getPointer(24)),
        netmask: readSockAddr(view.getPointer(32)),
        dstaddr: readSockAddr(view.getPointer(40)),
      };
      const data = view.getPointer(48);
      if (data !== null && entry.addr?.family === AF_PACKET) {
        const s = new Deno.UnsafePointerView(data);
        entry.stats = {
          rxPackets: s.getUint32(0),
          txPackets: s.getUint32(4),
          rxBytes: s.getUint32(8),
          txBytes: s.getUint32(12),
          rxErrors: s.getUint32(16),
          txErrors: s.getUint32(20),
          rxDropped: s.getUint32(24),
          txDropped: s.getUint32(28),
          collisions: s.getUint32(36),
        };
      }
      out.push(entry);
      p = view.getPointer(0);
    }
  } finally {
    c.freeifaddrs(first);
  }
  return out;
}

/** The name of interface `index` (if_indextoname), or "" when unknown. */
export function interfaceName(index: number): string {
  const c = tryLibc();
  if (!c || index <= 0) return "";
  const buf = new Uint8Array(16);
  return c.if_indextoname(index, buf) === null ? "" : readCString(buf);
}

/** ioctl request numbers on an interface (struct ifreq). */
export const SIOCGIFMETRIC = 0x891d;
/** Interface MTU. */
export const SIOCGIFMTU = 0x8921;
/** Interface hardware address and type. */
export const SIOCGIFHWADDR = 0x8927;
/** ethtool commands. */
export const SIOCETHTOOL = 0x8946;

/** What ioctl(2) tells about one interface; fields are undefined where the call failed. */
export interface InterfaceIoctls {
  mtu?: number;
  metric?: number;
  hwFamily?: number;
  hwAddress?: Uint8Array;
  /** Link speed in Mb/s, from ETHTOOL_GSET; undefined when unknown. */
  speed?: number;
  /** The driver's bus_info (PCI slot), from ETHTOOL_GDRVINFO. */
  busInfo?: string;
}

/** Runs the interface ioctls osquery uses for `name` (the ethtool speed only when `withSpeed`). */
export function interfaceIoctls(name: string, withSpeed: boolean): InterfaceIoctls | undefined {
  const c = tryLibc();
  if (!c) return undefined;
  const fd = c.socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return undefined;
  const out: InterfaceIoctls = {};
  try {
    const nameBytes = new TextEncoder().encode(name).subarray(0, 15);
    const request = (): { ifr: Uint8Array<ArrayBuffer>; view: DataView } => {
      const ifr = new Uint8Array(40);
      ifr.set(nameBytes);
      return { ifr, view: new DataView(ifr.buffer) };
    };
    let r = request();
    if (c.ioctl(fd, BigInt(SIOCGIFMTU), r.ifr) >= 0) out.mtu = r.view.getInt32(16, true);
    r = request();
    if (c.ioctl(fd, BigInt(SIOCGIFMETRIC), r.ifr) >= 0) out.metric = r.view.getInt32(16, true);
    r = request();
    if (c.ioctl(fd, BigInt(SIOCGIFHWADDR), r.ifr) >= 0) {
      out.hwFamily = r.view.getUint16(16, true);
      out.hwAddress = r.ifr.slice(18, 24);
    }
    const ethtool = (cmd: number, size: number): Uint8Array<ArrayBuffer> | undefined => {
      const data = new Uint8Array(size);
      new DataView(data.buffer).setUint32(0, cmd, true);
      const req = request();
      req.view.setBigUint64(16, BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(data))), true);
      return c.ioctl(fd, BigInt(SIOCETHTOOL), req.ifr) >= 0 ? data : undefined;
    };
    if (withSpeed) {
      // struct ethtool_cmd (44 bytes): speed at 12 (low 16 bits), speed_hi at 28.
      const cmd = ethtool(0x00000001, 44);
      if (cmd) {
        const v = new DataView(cmd.buffer);
        const speed = ((v.getUint16(28, true) << 16) >>> 0) + v.getUint16(12, true);
        if (speed !== 0xffffffff) out.speed = speed;
      }
    }
    // struct ethtool_drvinfo (196 bytes): bus_info[32] at 100.
    const info = ethtool(0x00000003, 196);
    if (info) out.busInfo = readCString(info.subarray(100, 132));
  } finally {
    c.close(fd);
  }
  return out;
}
