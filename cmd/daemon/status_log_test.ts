import { assertEquals } from "../../testing/assert.ts";
import { callerOf } from "./status_log.ts";

function status(): { file: string; line: number } {
  return callerOf(new Error().stack);
}

Deno.test("status lines name the file and line that logged them, as glog does", () => {
  const where = status(); // this line
  assertEquals(where.file, "status_log_test.ts");
  const source = Deno.readTextFileSync(new URL(import.meta.url)).split("\n");
  assertEquals(source[where.line - 1].includes("const where = status(); // this line"), true);
});

Deno.test("a stack without frames falls back to worker.ts:0", () => {
  assertEquals(callerOf(undefined), { file: "worker.ts", line: 0 });
  assertEquals(callerOf("Error\n    at status (file:///x/worker.ts:1:2)"), { file: "worker.ts", line: 0 });
  assertEquals(callerOf("Error\n  at a (file:///x/a.ts:1:2)\n  at b (file:///x/y/run.ts:42:7)"), {
    file: "run.ts",
    line: 42,
  });
  assertEquals(callerOf("Error\n  at a\n  at file:///x/main.ts:7:1"), { file: "main.ts", line: 7 });
});
