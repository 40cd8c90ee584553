import { OP, QueryContext } from "../../core/table.ts";
import processNamespaces from "./process_namespaces.ts";
import { assertEquals } from "../../testing/assert.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

const engine = tableEngine([processNamespaces]);

function inodeOf(kind: string): string {
  return Deno.readLinkSync(`/proc/self/ns/${kind}`).slice(kind.length + 2, -1);
}

Deno.test("process_namespaces: our row matches our own /proc/self/ns links", () => {
  const [row] = engine.query("SELECT * FROM process_namespaces WHERE pid = ?", [Deno.pid]);
  for (const kind of ["cgroup", "ipc", "mnt", "net", "pid", "user", "uts"]) {
    assertEquals(row[`${kind}_namespace`], inodeOf(kind), kind);
  }
});

Deno.test("process_namespaces: a pid that does not exist gives no row", () => {
  assertEquals(engine.query("SELECT * FROM process_namespaces WHERE pid = 2147483646"), []);
});

Deno.test("process_namespaces: fixture links that are malformed stay NULL", () => {
  // Called directly, so the columns a malformed link leaves out stay absent (the engine would read NULL).
  const ctx = new QueryContext("process_namespaces", new Map([["pid", [{ op: OP.EQUALS, value: 1 }]]]));
  ctx.host = fixtureHost(testdata("processes"));
  const rows = [...processNamespaces.generate(ctx)];
  assertEquals(rows, [{
    pid: 1,
    net_namespace: "4026531992",
    pid_namespace: "4026531836",
    user_namespace: "4026531837",
  }]);
  // A process with no readable links still has a row; a vanished one would not.
  const all = tableEngine([processNamespaces], fixtureHost(testdata("processes")))
    .query("SELECT pid FROM process_namespaces");
  assertEquals(all.map((r) => r.pid), [1, 42, 77, 78, 79, 80]);
});
