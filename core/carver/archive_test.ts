import { compressFile, entryName, writeArchive } from "./archive.ts";
import { zstdDecompress } from "../compress/zstd.ts";
import { assert, assertEquals } from "../../testing/assert.ts";

async function tar(args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command("tar", { args, cwd, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

Deno.test("carve archive: GNU tar extracts every file with its content, long and unicode names included", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const src = `${dir}/src/${"deep/".repeat(30)}`;
    await Deno.mkdir(src, { recursive: true });
    const files: Record<string, Uint8Array> = {
      [`${dir}/src/small.txt`]: new TextEncoder().encode("hello\n"),
      [`${dir}/src/empty`]: new Uint8Array(0),
      [`${dir}/src/ünïcode ✓.bin`]: new Uint8Array(1000).map((_, i) => i % 251),
      [`${src}long-name-${"x".repeat(120)}.dat`]: new Uint8Array(70_000).fill(9),
    };
    for (const [path, bytes] of Object.entries(files)) await Deno.writeFile(path, bytes);
    const out = `${dir}/carve.tar`;
    const result = await writeArchive([...Object.keys(files), `${dir}/src/missing`, `${dir}/src`], out);
    assertEquals(result.archived.length, 4);
    assertEquals(result.skipped.map((s) => s.path), [`${dir}/src/missing`, `${dir}/src`]);
    assertEquals((await Deno.stat(out)).size % 10240, 0);
    assertEquals((await Deno.stat(out)).mode! & 0o777, 0o600);
    const listing = await tar(["-tf", out]);
    assertEquals(listing.trim().split("\n").sort(), Object.keys(files).map(entryName).sort());
    await Deno.mkdir(`${dir}/x`);
    await tar(["-xf", out], `${dir}/x`);
    for (const [path, bytes] of Object.entries(files)) {
      assertEquals(await Deno.readFile(`${dir}/x/${entryName(path)}`), bytes, path);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("carve archive: an existing output file is never overwritten", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/out.tar`, "keep");
    let failed = false;
    try {
      await writeArchive([], `${dir}/out.tar`);
    } catch {
      failed = true;
    }
    assert(failed);
    assertEquals(await Deno.readTextFile(`${dir}/out.tar`), "keep");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("carve archive: compression writes zstd frames that decompress to the archive", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.txt`, "carve me ".repeat(5000));
    await writeArchive([`${dir}/a.txt`], `${dir}/c.tar`);
    const bytes = await compressFile(`${dir}/c.tar`, `${dir}/c.tar.zst`);
    const frame = await Deno.readFile(`${dir}/c.tar.zst`);
    assertEquals(frame.length, bytes);
    assert(frame.length < (await Deno.stat(`${dir}/c.tar`)).size / 5);
    assertEquals(zstdDecompress(frame), await Deno.readFile(`${dir}/c.tar`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
