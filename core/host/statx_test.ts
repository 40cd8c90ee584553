import { assertEquals } from "../../testing/assert.ts";
import { DT, listEntries, readDirectory, stat } from "./statx.ts";

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

Deno.test("fs: readDirectory gives every name and d_type, across several getdents buffers and for non-ASCII names", () => {
  const dir = Deno.makeTempDirSync({ prefix: "osq-statx-" });
  try {
    // 600 names of ~100 bytes fill two 32 KiB getdents buffers.
    const long = "n".repeat(96);
    for (let i = 0; i < 600; i++) Deno.writeFileSync(`${dir}/${long}${i}`, new Uint8Array());
    Deno.mkdirSync(`${dir}/sub`);
    Deno.symlinkSync("sub", `${dir}/link`);
    Deno.writeFileSync(`${dir}/.hidden`, new Uint8Array());
    Deno.writeFileSync(`${dir}/é ü`, new Uint8Array());
    const listing = readDirectory(dir)!;
    const expected = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals([...listing.names].sort(), expected);
    const typeOf = (name: string) => listing.types[listing.names.indexOf(name)];
    assertEquals([typeOf("sub"), typeOf("link"), typeOf("é ü"), typeOf(`${long}7`)], [DT.DIR, DT.LNK, DT.REG, DT.REG]);
    assertEquals(listEntries(dir).find((e) => e.name === "sub")?.type, "directory");
    assertEquals(readDirectory(`${dir}/${long}1`), undefined);
    assertEquals(readDirectory(`${dir}/missing`), undefined);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
