import processMemoryMap from "./process_memory_map.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

const engine = tableEngine([processMemoryMap]);

Deno.test("process_memory_map: our process maps the deno executable and a pseudo stack", () => {
  const rows = engine.query("SELECT * FROM process_memory_map WHERE pid = ?", [Deno.pid]);
  assert(rows.some((r) => String(r.path).endsWith("deno") && r.pseudo === 0 && Number(r.inode) > 0));
  const stack = rows.find((r) => r.path === "[stack]");
  assert(stack, "no [stack] row");
  assertEquals(stack.pseudo, 1);
  assert(/^0x[0-9a-f]+$/.test(String(stack.start)) && /^0x[0-9a-f]+$/.test(String(stack.end)));
  assert(BigInt(String(stack.start)) < BigInt(String(stack.end)));
});

Deno.test("process_memory_map: fixture regions, with pseudo set for named inode-less regions", () => {
  const fixture = tableEngine([processMemoryMap], fixtureHost(testdata("processes")));
  const rows = fixture.query("SELECT * FROM process_memory_map WHERE pid = 1");
  assertEquals(rows.length, 5);
  assertEquals(rows[1], {
    pid: 1,
    start: "0x00651000",
    end: "0x00652000",
    permissions: "rw-p",
    offset: 0x51000,
    device: "08:02",
    inode: 173521,
    path: "/usr/bin/dbus-daemon",
    pseudo: 0,
  });
  assertEquals(rows.map((r) => r.pseudo), [0, 0, 1, 0, 0]);
  assertEquals(fixture.query("SELECT * FROM process_memory_map").length, 5); // 42's maps is empty
});
