/**
 * `routes`: every route the kernel holds (all routing tables, IPv4 and IPv6), dumped over an
 * rtnetlink socket as osquery does.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { formatIp } from "../../core/host/inet.ts";
import { AF_INET, AF_INET6, AF_NETLINK, interfaceName, libc, SOCK_DGRAM } from "./_libc.ts";
import { setSocketTimeout, SO_RCVTIMEO } from "../../core/host/libc.ts";

export default registerTable(defineTable({
  name: "routes",
  description: "The kernel's routes, IPv4 and IPv6, from every routing table (main, local, ...).",
  attributes: { cacheable: true },
  columns: [
    { name: "destination", type: "TEXT", description: "The destination network or host." },
    { name: "netmask", type: "INTEGER", description: "The destination prefix length (0 for host routes)." },
    { name: "gateway", type: "TEXT", description: "The next-hop gateway, when there is one." },
    { name: "source", type: "TEXT", description: "The preferred source address." },
    { name: "flags", type: "INTEGER", description: "The route's rtm_flags." },
    { name: "interface", type: "TEXT", description: "The outgoing interface." },
    { name: "mtu", type: "INTEGER", description: "The route's MTU metric (0 when unset)." },
    { name: "metric", type: "INTEGER", description: "The route's priority; lower is preferred." },
    { name: "type", type: "TEXT", additional: true, description: "gateway, local, broadcast, anycast or other." },
    { name: "hopcount", type: "INTEGER", description: "The route's hop limit metric (0 when unset)." },
  ],
  generate() {
    // rtnetlink is a kernel interface, not a file: routes are always this machine's.
    return routeRows(dumpRoutes() ?? []);
  },
}));

const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const RTM_NEWROUTE = 24;
const RTM_GETROUTE = 26;
const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_PRIORITY = 6;
const RTA_PREFSRC = 7;
const RTA_METRICS = 8;
const RTAX_MTU = 2;
const RTAX_HOPLIMIT = 10;
const ROUTE_TYPES: Record<number, string> = { 1: "gateway", 2: "local", 3: "broadcast", 4: "anycast" };

const align4 = (n: number) => (n + 3) & ~3;

/** Walks rtattr records in `bytes[start, end)`, calling `visit(type, data)` for each well-formed one. */
function forEachAttribute(
  bytes: Uint8Array,
  start: number,
  end: number,
  visit: (type: number, data: Uint8Array) => void,
) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = start; at + 4 <= end;) {
    const length = view.getUint16(at, true);
    if (length < 4 || at + length > end) break;
    visit(view.getUint16(at + 2, true), bytes.subarray(at + 4, at + length));
    at += align4(length);
  }
}

/**
 * Turns one RTM_NEWROUTE message body (struct rtmsg and its attributes, without the netlink
 * header) into a routes row, with osquery's conventions: a missing destination is the family's
 * any-address; netmask is the prefix length, left 0 for host routes (/32, /128) that carry a
 * destination; type from rtm_type (unicast routes are "gateway"). Non-IP families give undefined.
 */
export function routeRow(body: Uint8Array, nameOfIndex: (index: number) => string = interfaceName): Row | undefined {
  if (body.length < 12) return undefined;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const family = body[0], dstLen = body[1], rtmType = body[7];
  if (family !== AF_INET && family !== AF_INET6) return undefined;
  const addressLength = family === AF_INET ? 4 : 16;
  const ip = (data: Uint8Array) => (data.length >= addressLength ? formatIp(data.subarray(0, addressLength)) : "");
  const int32 = (data: Uint8Array) =>
    data.length >= 4 ? new DataView(data.buffer, data.byteOffset, 4).getInt32(0, true) : 0;
  const row: Row = { metric: 0, hopcount: 0, mtu: 0 };
  let mask = 0;
  let hasDestination = false;
  forEachAttribute(body, 12, body.length, (type, data) => {
    if (type === RTA_OIF) row.interface = nameOfIndex(int32(data));
    else if (type === RTA_GATEWAY) row.gateway = ip(data);
    else if (type === RTA_PREFSRC) row.source = ip(data);
    else if (type === RTA_DST) {
      if (dstLen !== 32 && dstLen !== 128) mask = dstLen;
      row.destination = ip(data);
      hasDestination = true;
    } else if (type === RTA_PRIORITY) row.metric = int32(data);
    else if (type === RTA_METRICS) {
      forEachAttribute(data, 0, data.length, (metric, value) => {
        if (metric === RTAX_MTU) row.mtu = int32(value);
        else if (metric === RTAX_HOPLIMIT) row.hopcount = int32(value);
      });
    }
  });
  if (!hasDestination) {
    row.destination = family === AF_INET ? "0.0.0.0" : "::";
    if (dstLen) mask = dstLen;
  }
  row.type = ROUTE_TYPES[rtmType] ?? "other";
  row.flags = view.getUint32(8, true);
  row.netmask = mask;
  return row;
}

/**
 * Splits a buffer of netlink messages into RTM_NEWROUTE bodies. Returns the bodies and whether
 * the dump is complete (NLMSG_DONE or NLMSG_ERROR seen). Truncated messages end the walk.
 */
export function splitNetlink(bytes: Uint8Array): { bodies: Uint8Array[]; done: boolean } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bodies: Uint8Array[] = [];
  for (let at = 0; at + 16 <= bytes.length;) {
    const length = view.getUint32(at, true);
    const type = view.getUint16(at + 4, true);
    if (length < 16 || at + length > bytes.length) break;
    if (type === NLMSG_DONE || type === NLMSG_ERROR) return { bodies, done: true };
    if (type === RTM_NEWROUTE) bodies.push(bytes.subarray(at + 16, at + length));
    at += align4(length);
  }
  return { bodies, done: false };
}

/** Dumps every route over rtnetlink; undefined when the socket cannot be used. */
export function dumpRoutes(): Uint8Array[] | undefined {
  const c = libc();
  if (!c) return undefined;
  const fd = c.socket(AF_NETLINK, SOCK_DGRAM, 0);
  if (fd < 0) return undefined;
  try {
    // A receive timeout bounds the dump: the kernel answers at once, so 5 s means it never will.
    setSocketTimeout(fd, SO_RCVTIMEO, 5000);
    const request = new Uint8Array(28);
    const rv = new DataView(request.buffer);
    rv.setUint32(0, 28, true);
    rv.setUint16(4, RTM_GETROUTE, true);
    rv.setUint16(6, 0x1 | 0x300 | 0x400, true); // NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ATOMIC
    rv.setUint32(8, 1, true);
    if (Number(c.send(fd, request, 28n, 0)) < 0) return undefined;
    const bodies: Uint8Array[] = [];
    const buffer = new Uint8Array(64 * 1024);
    for (let reads = 0; reads < 100_000; reads++) {
      const n = Number(c.recv(fd, buffer, BigInt(buffer.length), 0));
      if (n <= 0) break;
      const part = splitNetlink(buffer.slice(0, n));
      bodies.push(...part.bodies);
      if (part.done) break;
    }
    return bodies;
  } finally {
    c.close(fd);
  }
}

/** The routes rows of a dump's messages (non-IP ones left out), naming interfaces with `nameOfIndex`. */
export function routeRows(
  bodies: readonly Uint8Array[],
  nameOfIndex: (index: number) => string = interfaceName,
): Row[] {
  const rows: Row[] = [];
  for (const body of bodies) {
    const row = routeRow(body, nameOfIndex);
    if (row) rows.push(row);
  }
  return rows;
}
