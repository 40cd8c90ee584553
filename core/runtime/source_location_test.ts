import { assertEquals } from "../../testing/assert.ts";
import { callerLocation, frameLocation } from "./source_location.ts";

const source = Deno.readTextFileSync(new URL(import.meta.url)).split("\n");

function logHere(): { file: string; line: number } {
  return callerLocation(1, "fallback.ts");
}

Deno.test("callerLocation(0) is the line that calls it; (1) the line that called that function", () => {
  const here = callerLocation(0, "fallback.ts"); // marker: here
  assertEquals(here.file, "source_location_test.ts");
  assertEquals(source[here.line - 1].includes("// marker: here"), true);
  const outer = logHere(); // marker: outer
  assertEquals(outer.file, "source_location_test.ts");
  assertEquals(source[outer.line - 1].includes("// marker: outer"), true);
});

Deno.test("a frame the stack lacks falls back to the named file and line 0", () => {
  assertEquals(callerLocation(10_000, "tls.ts"), { file: "tls.ts", line: 0 });
  assertEquals(frameLocation(undefined, 2, "aws.ts"), { file: "aws.ts", line: 0 });
  assertEquals(frameLocation("Error\n  at a\n  at file:///x/main.ts:7:1", 2, "f.ts"), { file: "main.ts", line: 7 });
  assertEquals(frameLocation("Error\n  at C.#warn (file:///x/y/tls.ts:191:10)", 1, "f.ts"), {
    file: "tls.ts",
    line: 191,
  });
});
