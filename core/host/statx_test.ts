import { assertEquals } from "../../testing/assert.ts";
import { listEntries, stat } from "./statx.ts";

Deno.test("fs: statx and readdir over FFI agree with Deno's own stat and readDir", () => {
  const ours = stat("/etc/passwd")!;
  const deno = Deno.statSync("/etc/passwd");
  assertEquals([ours.ino, ours.size, ours.uid, ours.mode, ours.nlink], [
    deno.ino,
    deno.size,
    deno.uid,
    deno.mode,
    deno.nlink,
  ]);
  assertEquals(ours.mtime, Math.floor(deno.mtime!.getTime() / 1000));
  assertEquals(ours.dev, deno.dev);
  assertEquals(listEntries("/etc").map((e) => e.name).sort(), [...Deno.readDirSync("/etc")].map((e) => e.name).sort());
  assertEquals(stat("/nonexistent/x"), undefined);
  assertEquals(listEntries("/nonexistent"), []);
});
