import { assert, assertEquals } from "../../testing/assert.ts";
import interfaceDetails, { detailsRows } from "./interface_details.ts";
import interfaceIpv6, { ipv6Row } from "./interface_ipv6.ts";
import { mergeSysfsFlags } from "./_interfaces.ts";
import { AF_INET, AF_PACKET, type IfAddr } from "./_libc.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

/** A host root whose /sys/class/net and /proc/sys/net/ipv6/conf hold the fixture interfaces. */
const host = fixtureHost(testdata("network", "host"));

const stats = {
  rxPackets: 1,
  txPackets: 2,
  rxBytes: 3,
  txBytes: 4,
  rxErrors: 5,
  txErrors: 6,
  rxDropped: 7,
  txDropped: 8,
  collisions: 9,
};
const packet = { family: AF_PACKET, address: new Uint8Array(6), scopeId: 0 };
const entries: IfAddr[] = [
  { name: "eth9", flags: 0x11043, addr: packet, stats },
  { name: "nostats", flags: 0x1, addr: packet, stats },
  { name: "bare", flags: 0 },
  { name: "eth9", flags: 0x11043, addr: { family: AF_INET, address: new Uint8Array([10, 0, 0, 1]), scopeId: 0 } },
];
const ioctls = (name: string, withSpeed: boolean) =>
  name === "eth9"
    ? {
      mtu: 9000,
      metric: 0,
      hwFamily: 1,
      hwAddress: new Uint8Array([0x02, 0xab, 0, 0, 0, 0x0f]),
      speed: withSpeed ? 10000 : undefined,
      busInfo: "0000:00:1f.6",
    }
    : undefined;

Deno.test("interface_details: link entries only; sysfs 64-bit counters win over getifaddrs' 32-bit ones", () => {
  // getifaddrs and ioctl are kernel calls: recorded entries and answers stand in for them, sysfs is the fixture host's.
  const e = tableEngine(
    [{ ...interfaceDetails, generate: (ctx) => detailsRows(ctx, entries, ctx.host.path("/sys/class/net"), ioctls) }],
    host,
  );
  const rows = e.query("select * from interface_details");
  assertEquals(rows.map((r) => r.interface), ["eth9", "nostats", "bare"]);
  assertEquals(rows[0], {
    interface: "eth9",
    mac: "02:ab:00:00:00:0f",
    type: 1,
    mtu: 9000,
    metric: 0,
    flags: 0x11143,
    ipackets: 11,
    opackets: 22,
    ibytes: 9007199254740993n,
    obytes: 44,
    ierrors: 55,
    oerrors: 66,
    idrops: 77,
    odrops: 88,
    collisions: 99,
    last_change: -1,
    link_speed: 10000,
    pci_slot: "0000:00:1f.6",
  });
  // No sysfs entry and no ioctl answers: getifaddrs counters, zeros, pci_slot -1, flags minus sysfs bits.
  assertEquals(rows[1].ipackets, 1);
  assertEquals(rows[1].collisions, 9);
  assertEquals([rows[1].mtu, rows[1].type, rows[1].link_speed, rows[1].pci_slot, rows[1].flags], [0, 0, 0, "-1", 0]);
  // An entry with no link stats carries only its name and a blank MAC.
  assertEquals(rows[2].mac, "00:00:00:00:00:00");
  assertEquals(rows[2].mtu, null);
});

Deno.test("interface_details: sysfs flags replace only the sysfs-owned bits; unreadable flags files are ignored", () => {
  assertEquals(mergeSysfsFlags(0x11043, "0x1103\n"), 0x11143);
  assertEquals(mergeSysfsFlags(0x11043, "garbage\n"), 0x10042);
  assertEquals(mergeSysfsFlags(0x11043, undefined), 0x10042);
  assertEquals(mergeSysfsFlags(0x8, "0x1\n"), 0x9);
});

Deno.test("interface_details: live lo is a loopback (type 772, IFF_LOOPBACK) with an MTU", () => {
  const rows = tableEngine([interfaceDetails]).query(
    "select type, flags, mtu, mac from interface_details where interface = 'lo'",
  );
  assertEquals(rows.length, 1);
  assertEquals(rows[0].type, 772);
  assert((Number(rows[0].flags) & 0x8) !== 0, "IFF_LOOPBACK set");
  assert(Number(rows[0].mtu) > 0);
  assertEquals(rows[0].mac, "00:00:00:00:00:00");
});

Deno.test("interface_ipv6: redirects ANDed with 'all' when forwarding, ORed otherwise; accept_ra 2 always accepts", () => {
  const names = ["eth9", "fwd", "ra2", "broken", "gone"];
  const confDir = host.path("/proc/sys/net/ipv6/conf");
  assertEquals(names.map((name) => ipv6Row(name, confDir)), [
    { interface: "eth9", hop_limit: 64, forwarding_enabled: 0, redirect_accept: 1, rtadv_accept: 1 },
    { interface: "fwd", hop_limit: 255, forwarding_enabled: 1, redirect_accept: 1, rtadv_accept: 0 },
    { interface: "ra2", hop_limit: 64, forwarding_enabled: 1, redirect_accept: 0, rtadv_accept: 1 },
    { interface: "broken", hop_limit: -1, forwarding_enabled: -1, redirect_accept: 1, rtadv_accept: 0 },
    { interface: "gone", hop_limit: -1, forwarding_enabled: -1, redirect_accept: 1, rtadv_accept: 0 },
  ]);
});

Deno.test("interface_ipv6: live lo has a row", () => {
  const rows = tableEngine([interfaceIpv6]).query("select interface from interface_ipv6 where interface = 'lo'");
  assertEquals(rows, [{ interface: "lo" }]);
});
