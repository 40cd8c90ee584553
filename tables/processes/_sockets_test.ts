import {
  AF_INET,
  AF_INET6,
  decodeAddress,
  namespaceSockets,
  parseInetSockets,
  parsePacketSockets,
  parseUnixSockets,
} from "./_sockets.ts";
import { assertEquals } from "../../testing/assert.ts";
import { testdata } from "../../testing/table_engine.ts";

const PROC = testdata("processes", "proc");

Deno.test("_sockets: IPv4 addresses decode from host-order hex", () => {
  assertEquals(decodeAddress("0100007F", AF_INET), "127.0.0.1");
  assertEquals(decodeAddress("00000000", AF_INET), "0.0.0.0");
  assertEquals(decodeAddress("0100007", AF_INET), "");
  assertEquals(decodeAddress("0100007G", AF_INET), "");
});

Deno.test("_sockets: IPv6 addresses decode word by word and print as inet_ntop does", () => {
  assertEquals(decodeAddress("00000000000000000000000000000000", AF_INET6), "::");
  assertEquals(decodeAddress("00000000000000000000000001000000", AF_INET6), "::1");
  assertEquals(decodeAddress("0000000000000000FFFF00000100007F", AF_INET6), "::ffff:127.0.0.1");
  assertEquals(decodeAddress("000080FE00000000FF005450B6AD1DFE", AF_INET6), "fe80::5054:ff:fe1d:adb6");
  assertEquals(decodeAddress("short", AF_INET6), "");
});

Deno.test("_sockets: inet socket tables parse, with malformed lines skipped and a bad header rejecting the file", () => {
  const tcp = parseInetSockets(Deno.readTextFileSync(PROC + "/1/net/tcp"), AF_INET, 6, "9");
  assertEquals(tcp.map((s) => s.inode), ["7001", "7002", "7004"]);
  assertEquals(tcp[1], {
    inode: "7002",
    family: AF_INET,
    protocol: 6,
    localAddress: "10.0.2.15",
    localPort: 22,
    remoteAddress: "192.168.0.100",
    remotePort: 54321,
    path: "",
    state: "ESTABLISHED",
    netns: "9",
  });
  assertEquals(tcp[2].state, "UNKNOWN");
  const udp = parseInetSockets(Deno.readTextFileSync(PROC + "/1/net/udp"), AF_INET, 17, "9");
  assertEquals(udp.map((s) => [s.localAddress, s.localPort, s.state]), [["127.0.0.53", 53, ""]]);
  assertEquals(parseInetSockets(Deno.readTextFileSync(PROC + "/1/net/udp6"), AF_INET6, 17, "9"), []);
  assertEquals(parseInetSockets("", AF_INET, 6, "9"), []);
});

Deno.test("_sockets: unix and packet socket tables parse, keeping paths with spaces", () => {
  const unix = parseUnixSockets(Deno.readTextFileSync(PROC + "/1/net/unix"), "9");
  assertEquals(unix.map((s) => [s.inode, s.path]), [
    ["7040", "/run/dbus/system_bus_socket"],
    ["7041", "/tmp/path with spaces.sock"],
    ["7042", ""],
    ["7043", "@abstract"],
  ]);
  assertEquals(parseUnixSockets("not a header\n0: 1 2 3 4 5 6 /x\n", "9"), []);
  const packet = parsePacketSockets(Deno.readTextFileSync(PROC + "/1/net/packet"), "9");
  assertEquals(packet.map((s) => [s.inode, s.family, s.protocol, s.state]), [["7050", 17, 3, "NONE"]]);
});

Deno.test("_sockets: namespaceSockets reads every table of a process's net view, tagged with the namespace", () => {
  const all = namespaceSockets(1, "9", PROC);
  assertEquals(all.length, 14);
  assertEquals(new Set(all.map((s) => s.netns)), new Set(["9"]));
  assertEquals(namespaceSockets(79, "9", PROC), []);
});
