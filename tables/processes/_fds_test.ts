import { descriptors, socketInode } from "./_fds.ts";
import { assertEquals } from "../../testing/assert.ts";
import { testdata } from "../../testing/table_engine.ts";

const PROC = testdata("processes", "proc");

Deno.test("_fds: descriptors lists fd links ascending by number", () => {
  assertEquals(descriptors(42, PROC), [[0, "pipe:[5001]"], [1, "socket:[7002]"], [7, "pipe:[5002]"]]);
  assertEquals(descriptors(79, PROC), []);
});

Deno.test("_fds: socketInode reads only socket:[N] links", () => {
  assertEquals(socketInode("socket:[7002]"), "7002");
  assertEquals([socketInode("pipe:[1]"), socketInode("socket:[7")], [undefined, undefined]);
});
