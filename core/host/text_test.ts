import { assertEquals } from "../../testing/assert.ts";
import { afterFields, fields, parseDecimal, parseHex, splitTrim, trimAscii } from "./text.ts";

Deno.test("splitTrim: splits on any delimiter, drops empty pieces, trims the rest (osquery's split)", () => {
  assertEquals(splitTrim(" Name:  requests ", ":"), ["Name", "requests"]);
  assertEquals(splitTrim("a  b\tc"), ["a", "b", "c"]);
  assertEquals(splitTrim("a::b", ":"), ["a", "b"]);
  assertEquals(splitTrim("", ":"), []);
});

Deno.test("splitTrim: a piece of blanks between delimiters is kept as '' (empty pieces are dropped before trimming)", () => {
  assertEquals(splitTrim("a, ,b", ","), ["a", "", "b"]);
});

Deno.test("text: fields splits on runs of blanks; afterFields points past the first n", () => {
  assertEquals(fields("  a \t b  c "), ["a", "b", "c"]);
  assertEquals(fields(""), []);
  assertEquals("0: 1 2 /a path".slice(afterFields("0: 1 2 /a path", 3)), " /a path");
});

Deno.test("text: numbers parse strictly (undefined for junk, never NaN); trimAscii trims C whitespace only", () => {
  assertEquals([parseDecimal(" -5\n"), parseDecimal("+7"), parseDecimal("1.5"), parseDecimal("-")], [
    -5,
    7,
    undefined,
    undefined,
  ]);
  assertEquals([parseHex("fF"), parseHex(""), parseHex("0x1")], [255, undefined, undefined]);
  assertEquals(trimAscii("\t a\u00a0 \n"), "a\u00a0");
});
