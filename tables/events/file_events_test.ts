import { assertEquals } from "../../testing/assert.ts";
import { createHash } from "node:crypto";
import { decorateFileEvent } from "./file_events.ts";

Deno.test("decorateFileEvent: stat fields and digests of a file, stat fields only for a directory, none for a gone path", () => {
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
    assertEquals([d.hashed, d.md5, d.inode], [0, "", Deno.lstatSync(dir).ino]);
    assertEquals(decorateFileEvent(`${dir}/gone`, true), { hashed: 0, md5: "", sha1: "", sha256: "" });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
