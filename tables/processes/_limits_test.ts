import { parseLimits } from "./_limits.ts";
import { assertEquals } from "../../testing/assert.ts";
import { testdata } from "../../testing/table_engine.ts";

const PROC = testdata("processes", "proc");

Deno.test("_limits: labels map to osquery's names, sorted, skipping unknown and broken lines", () => {
  const limits = parseLimits(Deno.readTextFileSync(PROC + "/self/limits"));
  assertEquals(limits.map((l) => l.type), [
    "as",
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "sigpending",
    "stack",
  ]);
  assertEquals(limits.find((l) => l.type === "nofile"), { type: "nofile", soft: "1024", hard: "524288" });
  assertEquals(limits.find((l) => l.type === "stack"), { type: "stack", soft: "8388608", hard: "unlimited" });
  assertEquals(parseLimits("garbage\n\n"), []);
});
