import { openSockets } from "./_open_sockets.ts";
import { assertEquals } from "../../testing/assert.ts";
import { testdata } from "../../testing/table_engine.ts";

const PROC = testdata("processes", "proc");

Deno.test("_open_sockets: inodes match their holders, each namespace is read once", () => {
  const all = openSockets(undefined, PROC);
  // Pid 42 shares pid 1's namespace: its view is not read twice.
  assertEquals(new Set(all.map((s) => s.inode)).size, all.length);
  const ssh = all.find((s) => s.inode === "7002");
  assertEquals([ssh?.pid, ssh?.fd], [42, 1]);
  assertEquals(all.find((s) => s.inode === "7011")?.pid, -1);
  const only42 = openSockets([42], PROC);
  assertEquals(only42.map((s) => [s.inode, s.pid, s.fd]), [["7002", 42, 1]]);
  assertEquals(openSockets([80], PROC), []); // holds no sockets
});
