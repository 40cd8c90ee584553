import { assertEquals } from "../../testing/assert.ts";
import { hex } from "./hex.ts";

Deno.test("hex: every byte value, with and without a separator, short and longer than the scratch buffer", () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const expected = [...all].map((b) => b.toString(16).padStart(2, "0"));
  assertEquals(hex(all), expected.join(""));
  assertEquals(hex(all, ":"), expected.join(":"));
  assertEquals(hex(all.subarray(250)), "fafbfcfdfeff");
  assertEquals(hex(new Uint8Array()), "");
  assertEquals(hex(new Uint8Array(), ":"), "");
});
