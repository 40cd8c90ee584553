import { assertEquals } from "../../testing/assert.ts";
import { splitTrim } from "./text.ts";

Deno.test("splitTrim: splits on any delimiter, drops empty pieces, trims the rest (osquery's split)", () => {
  assertEquals(splitTrim(" Name:  requests ", ":"), ["Name", "requests"]);
  assertEquals(splitTrim("a  b\tc"), ["a", "b", "c"]);
  assertEquals(splitTrim("a::b", ":"), ["a", "b"]);
  assertEquals(splitTrim("", ":"), []);
});

Deno.test("splitTrim: a piece of blanks between delimiters is kept as '' (empty pieces are dropped before trimming)", () => {
  assertEquals(splitTrim("a, ,b", ","), ["a", "", "b"]);
});
