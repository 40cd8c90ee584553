import { assertEquals } from "../../testing/assert.ts";
import { formatIp, formatIpv4, formatIpv6 } from "./inet.ts";

const words = (ws: number[]) => ws.flatMap((w) => [w >> 8, w & 0xff]);

Deno.test("inet: IPv6 prints as inet_ntop does (first longest zero run, a lone zero kept, IPv4 tails)", () => {
  assertEquals(formatIpv6(words([0, 0, 0, 0, 0, 0, 0, 0])), "::");
  assertEquals(formatIpv6(words([0, 0, 0, 0, 0, 0, 0, 1])), "::1");
  assertEquals(formatIpv6(words([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])), "2001:db8::1:0:0:1");
  assertEquals(formatIpv6(words([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1])), "2001:db8:0:1:1:1:1:1");
  assertEquals(formatIpv6(words([0, 0, 0, 0, 0, 0, 0x0a00, 1])), "::10.0.0.1");
  assertEquals(formatIpv6(words([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1])), "::ffff:127.0.0.1");
  assertEquals(formatIpv6(words([1, 0, 0, 0, 0, 0, 0, 0])), "1::");
  assertEquals(
    formatIpv6(new Uint8Array(words([0xfe80, 0, 0, 0, 0x5054, 0xff, 0xfe1d, 0xadb6]))),
    "fe80::5054:ff:fe1d:adb6",
  );
});

Deno.test("inet: IPv4 is a dotted quad; formatIp picks by length and gives '' for others", () => {
  assertEquals(formatIpv4([192, 0, 2, 1]), "192.0.2.1");
  assertEquals(formatIp(new Uint8Array([10, 0, 0, 1])), "10.0.0.1");
  assertEquals(formatIp(new Uint8Array(16)), "::");
  assertEquals(formatIp(new Uint8Array(5)), "");
});
