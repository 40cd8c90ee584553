import ulimitInfo from "./ulimit_info.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

const engine = tableEngine([ulimitInfo]);

Deno.test("ulimit_info: every limit has a soft value within its hard value", () => {
  const rows = engine.query("SELECT * FROM ulimit_info");
  const types = rows.map((r) => r.type);
  for (const t of ["cpu", "fsize", "data", "stack", "core", "nofile", "as", "rss", "memlock", "nproc"]) {
    assert(types.includes(t), t);
  }
  for (const r of rows) {
    if (r.hard_limit === "unlimited") continue;
    assert(
      r.soft_limit !== "unlimited" && BigInt(String(r.soft_limit)) <= BigInt(String(r.hard_limit)),
      String(r.type),
    );
  }
  const nofile = rows.find((r) => r.type === "nofile")!;
  assert(Number(nofile.soft_limit) >= 3); // we hold stdin, stdout and stderr
});

Deno.test("ulimit_info: fixture limits in osquery's names and order", () => {
  const rows = tableEngine([ulimitInfo], fixtureHost(testdata("processes"))).query("SELECT * FROM ulimit_info");
  assertEquals(rows.length, 15);
  assertEquals(rows[0], { type: "as", soft_limit: "unlimited", hard_limit: "unlimited" });
  assertEquals(rows.find((r) => r.type === "core"), { type: "core", soft_limit: "0", hard_limit: "unlimited" });
  assertEquals(
    tableEngine([ulimitInfo], fixtureHost(testdata("processes", "missing"))).query("SELECT * FROM ulimit_info"),
    [],
  );
});
