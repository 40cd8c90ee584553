import "./mod.ts";
import { Engine } from "../../core/engine.ts";
import { OP, QueryContext } from "../../core/table.ts";
import { generateNamespaces } from "./process_namespaces.ts";
import { assertEquals } from "../../testing/assert.ts";

const FIXTURE = new URL("../../testdata/processes/proc", import.meta.url).pathname;
const engine = new Engine();

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
  const rows = generateNamespaces(
    new QueryContext("process_namespaces", new Map([["pid", [{ op: OP.EQUALS, value: 1 }]]])),
    FIXTURE,
  );
  assertEquals(rows, [{
    pid: 1,
    net_namespace: "4026531992",
    pid_namespace: "4026531836",
    user_namespace: "4026531837",
  }]);
  // A process with no readable links still has a row; a vanished one would not.
  const all = generateNamespaces(new QueryContext("process_namespaces"), FIXTURE);
  assertEquals(all.map((r) => r.pid), [1, 42, 77, 78, 79, 80]);
});
