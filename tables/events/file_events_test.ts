import { assertEquals } from "../../testing/assert.ts";
import { createHash } from "node:crypto";
import { decorateFileEvent } from "./file_events.ts";

Deno.test("decorateFileEvent: stat fields and digests of a file; a directory or a gone path asked for digests is a failed hash (-1)", () => {
  const dir = Deno.makeTempDirSync({ prefix: "osq-fe-" });
  try {
    const path = `${dir}/f`;
    Deno.writeTextFileSync(path, "hello");
    Deno.chmodSync(path, 0o640);
    const st = Deno.lstatSync(path);
    const sec = (d: Date | null) => Math.floor(d!.getTime() / 1000);
    const hex = (a: string) => createHash(a).update("hello").digest("hex");
    assertEquals(decorateFileEvent(path, true), {
      hashed: 1,
      md5: hex("md5"),
      sha1: hex("sha1"),
      sha256: hex("sha256"),
      inode: st.ino,
      uid: st.uid,
      gid: st.gid,
      mode: "0640",
      size: 5,
      atime: sec(st.atime),
      mtime: sec(st.mtime),
      ctime: sec(st.ctime),
    });
    // Not asked to hash (a delete, an access): the digests stay empty.
    assertEquals(decorateFileEvent(path, false).hashed, 0);
    assertEquals(decorateFileEvent(path, false).md5, "");
    const d = decorateFileEvent(dir, true);
    assertEquals([d.hashed, d.md5, d.inode], [-1, "", Deno.lstatSync(dir).ino]);
    assertEquals(decorateFileEvent(`${dir}/gone`, true), { hashed: -1, md5: "", sha1: "", sha256: "" });
    assertEquals(decorateFileEvent(`${dir}/gone`, false), { hashed: 0, md5: "", sha1: "", sha256: "" });
    // A file that cannot be read (as root only a FIFO is unreadable here: it is never opened).
    const fifo = `${dir}/fifo`;
    new Deno.Command("mkfifo", { args: [fifo] }).outputSync();
    assertEquals([decorateFileEvent(fifo, true).hashed, decorateFileEvent(fifo, true).md5], [-1, ""]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
