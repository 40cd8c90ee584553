import { assert, assertEquals } from "../../testing/assert.ts";
import interfaceAddresses, { addressRows } from "./interface_addresses.ts";
import { formatIpv6 } from "../../core/host/inet.ts";
import { parseIpv6, prefixLength } from "./_lib.ts";
import { AF_INET, AF_INET6, AF_PACKET, type IfAddr } from "./_libc.ts";
import { tableEngine } from "../../testing/table_engine.ts";

const v4 = (...b: number[]) => ({ family: AF_INET, address: new Uint8Array(b), scopeId: 0 });
const v6 = (text: string, scopeId = 0) => ({ family: AF_INET6, address: parseIpv6(text)!, scopeId });

const entries: IfAddr[] = [
  { name: "lo", flags: 0x49, addr: { family: AF_PACKET, address: new Uint8Array(6), scopeId: 0, hatype: 772 } },
  { name: "lo", flags: 0x49, addr: v4(127, 0, 0, 1), netmask: v4(255, 0, 0, 0), dstaddr: v4(127, 0, 0, 1) },
  {
    name: "eth0",
    flags: 0x1043,
    addr: v4(192, 0, 2, 2),
    netmask: v4(255, 255, 255, 0),
    dstaddr: v4(192, 0, 2, 255),
  },
  { name: "tun0", flags: 0x10d1, addr: v4(10, 8, 0, 2), netmask: v4(255, 255, 255, 255), dstaddr: v4(10, 8, 0, 1) },
  { name: "eth0", flags: 0x1043, addr: v6("fe80::fc:ff:fe00:1", 2), netmask: v6("ffff:ffff:ffff:ffff::") },
  { name: "eth0", flags: 0x1043, addr: v6("2001:db8::5"), netmask: v6("ffff:ffff:ffff:ffff::") },
  { name: "odd", flags: 0, addr: { family: 99, address: new Uint8Array(0), scopeId: 0 } },
  { name: "noaddr", flags: 0 },
];

Deno.test("interface_addresses: IPv4/IPv6 entries only; broadcast vs point_to_point by IFF_BROADCAST", () => {
  const rows = addressRows(entries, (i) => (i === 2 ? "eth0" : ""));
  assertEquals(rows, [
    { interface: "lo", address: "127.0.0.1", mask: "255.0.0.0", point_to_point: "127.0.0.1", type: "unknown" },
    { interface: "eth0", address: "192.0.2.2", mask: "255.255.255.0", broadcast: "192.0.2.255", type: "unknown" },
    { interface: "tun0", address: "10.8.0.2", mask: "255.255.255.255", point_to_point: "10.8.0.1", type: "unknown" },
    { interface: "eth0", address: "fe80::fc:ff:fe00:1%eth0", mask: "ffff:ffff:ffff:ffff::", type: "unknown" },
    { interface: "eth0", address: "2001:db8::5", mask: "ffff:ffff:ffff:ffff::", type: "unknown" },
  ]);
});

Deno.test("interface_addresses: a scoped address whose interface is gone shows the numeric scope", () => {
  const [row] = addressRows([{ name: "x", flags: 0, addr: v6("fe80::1", 42) }], () => "");
  assertEquals(row.address, "fe80::1%42");
});

Deno.test("interface_addresses: the spec over recorded entries; no entries give no rows", () => {
  // getifaddrs is a kernel call: recorded entries stand in for it.
  const e = tableEngine([{ ...interfaceAddresses, generate: () => addressRows(entries) }]);
  assertEquals(e.query("select count(*) as n from interface_addresses where interface = 'eth0'"), [{ n: 3 }]);
  assertEquals(addressRows([]), []);
});

Deno.test("interface_addresses: live lo carries 127.0.0.1/255.0.0.0", () => {
  const rows = tableEngine([interfaceAddresses]).query(
    "select mask, type from interface_addresses where interface = 'lo' and address = '127.0.0.1'",
  );
  assertEquals(rows, [{ mask: "255.0.0.0", type: "unknown" }]);
});

Deno.test("IPv6 text matches inet_ntop: longest zero run, ties to the first, embedded IPv4", () => {
  const cases: [string, string][] = [
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["0:0:0:0:0:ffff:c000:0201", "::ffff:192.0.2.1"],
    ["0:0:0:0:0:0:c000:0201", "::192.0.2.1"],
    ["fe80:0:0:0:0:0:0:0", "fe80::"],
    ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
  ];
  for (const [input, expected] of cases) assertEquals(formatIpv6(parseIpv6(input)!), expected, input);
  assertEquals(parseIpv6("1::2::3"), undefined);
  assertEquals(parseIpv6("12345::"), undefined);
  assertEquals(parseIpv6("1:2:3:4:5:6:7"), undefined);
  assert(parseIpv6("::ffff:1.2.3.4") !== undefined);
  assertEquals(prefixLength(new Uint8Array([255, 255, 240, 0])), 20);
});
