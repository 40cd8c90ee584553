import { assertEquals } from "../testing/assert.ts";
import { concatBytes } from "./bytes.ts";

Deno.test("concatBytes: parts one after another, empty parts and no parts included", () => {
  assertEquals(concatBytes([new Uint8Array([1, 2]), new Uint8Array(), new Uint8Array([3])]), new Uint8Array([1, 2, 3]));
  assertEquals(concatBytes([]), new Uint8Array());
  const a = new Uint8Array([9]);
  const joined = concatBytes([a]);
  joined[0] = 0;
  assertEquals(a[0], 9, "a new array, not the part itself");
});
