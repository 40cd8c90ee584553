import { assert, assertEquals } from "../../testing/assert.ts";
import routes, { routeRow, routeRows, splitNetlink } from "./routes.ts";
import arpCache from "./arp_cache.ts";
import { parseIpv4, parseIpv6 } from "./_lib.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";
import { concatBytes } from "../../core/bytes.ts";

function attribute(type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array((4 + data.length + 3) & ~3);
  new DataView(out.buffer).setUint16(0, 4 + data.length, true);
  new DataView(out.buffer).setUint16(2, type, true);
  out.set(data, 4);
  return out;
}
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const concat = (...parts: Uint8Array[]) => concatBytes(parts);
/** An rtmsg body: family, dst_len, type, flags, then attributes. */
function rtmsg(family: number, dstLen: number, type: number, flags: number, ...attrs: Uint8Array[]): Uint8Array {
  const head = new Uint8Array(12);
  head[0] = family;
  head[1] = dstLen;
  head[7] = type;
  new DataView(head.buffer).setUint32(8, flags, true);
  return concat(head, ...attrs);
}
/** A netlink message of `type` around `body`. */
function nlmsg(type: number, body: Uint8Array): Uint8Array {
  const head = new Uint8Array(16);
  new DataView(head.buffer).setUint32(0, 16 + body.length, true);
  new DataView(head.buffer).setUint16(4, type, true);
  return concat(head, body, new Uint8Array(((16 + body.length + 3) & ~3) - 16 - body.length));
}
const names = (i: number) => ({ 1: "lo", 2: "eth0" } as Record<number, string>)[i] ?? "";

const defaultV4 = rtmsg(
  2,
  0,
  1,
  0,
  attribute(4, u32(2)),
  attribute(5, parseIpv4("192.0.2.1")!),
  attribute(6, u32(100)),
);
const subnet = rtmsg(
  2,
  24,
  1,
  0,
  attribute(1, parseIpv4("192.0.2.0")!),
  attribute(4, u32(2)),
  attribute(7, parseIpv4("192.0.2.2")!),
);
const host = rtmsg(2, 32, 2, 0x200, attribute(1, parseIpv4("127.0.0.1")!), attribute(4, u32(1)));
const v6 = rtmsg(
  10,
  64,
  1,
  0,
  attribute(1, parseIpv6("2001:db8::")!),
  attribute(4, u32(2)),
  attribute(8, concat(attribute(2, u32(1280)), attribute(10, u32(64)))),
);
const multicast = rtmsg(10, 8, 5, 0, attribute(1, parseIpv6("ff00::")!), attribute(4, u32(2)));

Deno.test("routes: rtnetlink route messages become osquery's rows", () => {
  assertEquals(routeRow(defaultV4, names), {
    destination: "0.0.0.0",
    netmask: 0,
    gateway: "192.0.2.1",
    interface: "eth0",
    metric: 100,
    mtu: 0,
    hopcount: 0,
    type: "gateway",
    flags: 0,
  });
  assertEquals(routeRow(subnet, names)?.netmask, 24);
  assertEquals(routeRow(subnet, names)?.source, "192.0.2.2");
  const hostRow = routeRow(host, names)!;
  assertEquals([hostRow.destination, hostRow.netmask, hostRow.type, hostRow.flags], ["127.0.0.1", 0, "local", 0x200]);
  const v6Row = routeRow(v6, names)!;
  assertEquals([v6Row.destination, v6Row.netmask, v6Row.mtu, v6Row.hopcount], ["2001:db8::", 64, 1280, 64]);
  assertEquals(routeRow(multicast, names)?.type, "other");
});

Deno.test("routes: malformed messages are skipped; truncated attributes end the attribute walk", () => {
  assertEquals(routeRow(new Uint8Array(5)), undefined);
  assertEquals(routeRow(rtmsg(7, 0, 1, 0)), undefined); // not an IP family
  const truncated = concat(rtmsg(2, 24, 1, 0, attribute(1, parseIpv4("10.0.0.0")!)), new Uint8Array([200, 0, 1, 0]));
  assertEquals(routeRow(truncated, names)?.destination, "10.0.0.0");
  const dump = concat(
    nlmsg(24, defaultV4),
    nlmsg(25, host),
    nlmsg(24, v6),
    nlmsg(3, new Uint8Array(4)),
    nlmsg(24, subnet),
  );
  const split = splitNetlink(dump);
  assertEquals(split.done, true);
  assertEquals(split.bodies.length, 2);
  assertEquals(splitNetlink(dump.subarray(0, 40)).bodies.length, 0);
});

Deno.test("routes: the rows of a recorded dump, a runt message left out", () => {
  const rows = routeRows([defaultV4, subnet, host, v6, new Uint8Array(3)], names);
  assertEquals(rows.filter((r) => r.type === "gateway").map((r) => [r.destination, r.netmask]), [
    ["0.0.0.0", 0],
    ["192.0.2.0", 24],
    ["2001:db8::", 64],
  ]);
  assertEquals(rows.length, 4);
});

Deno.test("routes: live dump has the loopback local route on lo", () => {
  const rows = tableEngine([routes]).query("select destination, interface from routes where type = 'local'");
  assert(rows.some((r) => r.destination === "127.0.0.1" && r.interface === "lo"), JSON.stringify(rows));
});

Deno.test("arp_cache: six-field lines after the header; flags 0x6 is permanent; others skipped", () => {
  const e = tableEngine([arpCache], fixtureHost(testdata("network", "host")));
  assertEquals(e.query("select * from arp_cache"), [
    { address: "192.0.2.1", mac: "02:fc:00:00:00:05", interface: "eth0", permanent: "0" },
    { address: "192.0.2.50", mac: "aa:bb:cc:dd:ee:ff", interface: "eth0", permanent: "1" },
    { address: "10.1.1.1", mac: "00:00:00:00:00:00", interface: "wlan0", permanent: "0" },
  ]);
  assertEquals(
    tableEngine([arpCache], fixtureHost(testdata("network", "missing"))).query("select * from arp_cache"),
    [],
  );
});

Deno.test("arp_cache: live /proc/net/arp parses", () => {
  const rows = tableEngine([arpCache]).query("select address, permanent from arp_cache");
  for (const r of rows) assert(r.permanent === "0" || r.permanent === "1");
});
