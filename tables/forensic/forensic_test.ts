import { createHash } from "node:crypto";
import type { Engine } from "../../core/engine.ts";
import { fixtureHost, tableEngine } from "../../testing/table_engine.ts";
import deviceFile from "./device_file.ts";
import deviceHash from "./device_hash.ts";
import devicePartitions from "./device_partitions.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { tskAvailable } from "./_tsk.ts";
import { modeText } from "./_lib.ts";

const SECTOR = 512;
const PART_START = 2048; // sectors: the first partition at 1 MiB, as partitioning tools place it
const IMAGE_MIB = 8;

function hasMke2fs(): boolean {
  for (const dir of ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]) {
    try {
      Deno.statSync(`${dir}/mke2fs`);
      return true;
    } catch {
      // look further
    }
  }
  return false;
}

const ready = tskAvailable() && hasMke2fs();
if (!ready) console.error("forensic tests skipped: they need libtsk19 and e2fsprogs (mke2fs)");

/** An MBR with one Linux partition (type 0x83) from PART_START to the end of the image. */
function mbr(totalSectors: number): Uint8Array {
  const sector = new Uint8Array(SECTOR);
  const view = new DataView(sector.buffer);
  const entry = 446;
  sector[entry] = 0x00; // not bootable
  sector.set([0xfe, 0xff, 0xff], entry + 1); // CHS: use LBA
  sector[entry + 4] = 0x83;
  sector.set([0xfe, 0xff, 0xff], entry + 5);
  view.setUint32(entry + 8, PART_START, true);
  view.setUint32(entry + 12, totalSectors - PART_START, true);
  view.setUint32(440, 0x05ca1ab1, true); // disk signature
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

const TABLES = [deviceFile, deviceHash, devicePartitions];

/** A disk image inside a host tree: `root` is the tree, `path` the device as that host names it. */
interface Image {
  root: string;
  path: string;
  hello: string;
  nested: Uint8Array;
  cleanup: () => Promise<void>;
}

/** A partitioned disk image whose ext4 partition holds /hello.txt, /empty and /sub/dir/nested.bin. */
async function makeImage(): Promise<Image> {
  const dir = await Deno.makeTempDir();
  const root = `${dir}/root`;
  await Deno.mkdir(`${root}/sub/dir`, { recursive: true });
  const hello = "hello from a raw device\n";
  const nested = new Uint8Array(70_000).map((_, i) => (i * 31) % 251);
  await Deno.writeTextFile(`${root}/hello.txt`, hello);
  await Deno.chmod(`${root}/hello.txt`, 0o640);
  await Deno.writeFile(`${root}/sub/dir/nested.bin`, nested);
  await Deno.writeFile(`${root}/empty`, new Uint8Array(0));
  await Deno.symlink("hello.txt", `${root}/link`);
  // The image is the host's /dev/sdz: the tables read it under the fixture host's root.
  const path = "/dev/sdz";
  await Deno.mkdir(`${dir}/host/dev`, { recursive: true });
  const file = await Deno.open(`${dir}/host${path}`, { write: true, create: true });
  const total = IMAGE_MIB * 1024 * 1024 / SECTOR;
  await file.truncate(IMAGE_MIB * 1024 * 1024);
  await file.write(mbr(total));
  file.close();
  const blocks1k = (total - PART_START) * SECTOR / 1024;
  const out = await new Deno.Command("mke2fs", {
    args: [
      "-q",
      "-F",
      "-t",
      "ext4",
      "-b",
      "1024",
      "-L",
      "osqtest",
      "-E",
      `offset=${PART_START * SECTOR}`,
      "-d",
      root,
      `${dir}/host${path}`,
      String(blocks1k),
    ],
    stdout: "piped",
    stderr: "piped",
    env: { PATH: "/usr/sbin:/sbin:/usr/bin:/bin" },
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  return { root: `${dir}/host`, path, hello, nested, cleanup: () => Deno.remove(dir, { recursive: true }) };
}

/** Runs `fn` with a fresh image, an engine and the address of the image's ext4 partition; cleans up after. */
async function withExt4Image(fn: (image: Image, engine: Engine, part: string) => void): Promise<void> {
  const image = await makeImage();
  const engine = tableEngine(TABLES, fixtureHost(image.root));
  try {
    const [linux] = engine.query(
      `SELECT partition FROM device_partitions WHERE device = '${image.path}' AND type = 'ext4'`,
    );
    fn(image, engine, String(linux.partition));
  } finally {
    engine.close();
    await image.cleanup();
  }
}

Deno.test({
  name: "device_partitions: the MBR's table, the gap before the partition, and the ext4 file system in it",
  ignore: !ready,
  async fn() {
    const image = await makeImage();
    const engine = tableEngine(TABLES, fixtureHost(image.root));
    try {
      const rows = engine.query(`SELECT * FROM device_partitions WHERE device = '${image.path}' ORDER BY partition`);
      const meta = rows.find((r) => r.type === "meta");
      assert(meta, JSON.stringify(rows));
      assertEquals(meta.offset, 0);
      assertEquals(meta.blocks_size, 512);
      const gap = rows.find((r) => r.type === "unallocated");
      assert(gap, JSON.stringify(rows));
      assertEquals(gap.blocks, PART_START);
      const linux = rows.find((r) => r.type === "ext4");
      assert(linux, JSON.stringify(rows));
      assertEquals(linux.label, "Linux (0x83)");
      assertEquals(linux.offset, PART_START * SECTOR);
      assertEquals(linux.blocks_size, 1024);
      assertEquals(linux.blocks, (IMAGE_MIB * 1024 * 1024 - PART_START * SECTOR) / 1024);
      assert(Number(linux.inodes) > 0);
      assertEquals(rows.every((r) => r.device === image.path), true);
    } finally {
      engine.close();
      await image.cleanup();
    }
  },
});

Deno.test({
  name: "device_file: a walk lists the partition's regular files with their metadata",
  ignore: !ready,
  fn: () =>
    withExt4Image((image, engine, part) => {
      const rows = engine.query(
        `SELECT path, filename, size, mode, uid, gid, type, hard_links, block_size, mtime FROM device_file
       WHERE device = '${image.path}' AND partition = '${part}' ORDER BY path`,
      );
      const byPath = new Map(rows.map((r) => [r.path, r]));
      assertEquals(byPath.get("/hello.txt"), {
        path: "/hello.txt",
        filename: "hello.txt",
        size: image.hello.length,
        mode: "0640",
        uid: 0,
        gid: 0,
        type: "regular",
        hard_links: 1,
        block_size: 1024,
        mtime: byPath.get("/hello.txt")?.mtime ?? null,
      });
      assertEquals(byPath.get("/sub/dir/nested.bin")?.size, image.nested.length);
      assertEquals(byPath.get("/empty")?.size, 0);
      assertEquals(byPath.has("/link"), false, "only regular files are listed by a walk");
      assert(Number(byPath.get("/hello.txt")?.mtime) > 1_600_000_000);
      // A partition that is not asked for, or a device that is not an image, gives nothing.
      assertEquals(engine.query(`SELECT * FROM device_file WHERE device = '${image.path}' AND partition = '99'`), []);
      assertEquals(
        engine.query(`SELECT * FROM device_file WHERE device = '/nonexistent' AND partition = '${part}'`),
        [],
      );
    }),
});

Deno.test({
  name: "device_file and device_hash: lookups by path and inode; hashes equal the content's digests",
  ignore: !ready,
  fn: () =>
    withExt4Image((image, engine, part) => {
      const base = `device = '${image.path}' AND partition = '${part}'`;
      const [nested] = engine.query(
        `SELECT inode, size, type FROM device_file WHERE ${base} AND path = '/sub/dir/nested.bin'`,
      );
      assertEquals(nested.size, image.nested.length);
      const [link] = engine.query(`SELECT type FROM device_file WHERE ${base} AND path = '/link'`);
      assertEquals(link.type, "symlink");
      const [byInode] = engine.query(`SELECT inode, size FROM device_file WHERE ${base} AND inode = ${nested.inode}`);
      assertEquals(byInode, { inode: nested.inode, size: image.nested.length });

      const [hash] = engine.query(`SELECT * FROM device_hash WHERE ${base} AND inode = ${nested.inode}`);
      assertEquals(hash, {
        device: image.path,
        partition: part,
        inode: nested.inode,
        md5: createHash("md5").update(image.nested).digest("hex"),
        sha1: createHash("sha1").update(image.nested).digest("hex"),
        sha256: createHash("sha256").update(image.nested).digest("hex"),
      });
      const [hello] = engine.query(`SELECT inode FROM device_file WHERE ${base} AND path = '/hello.txt'`);
      const [helloHash] = engine.query(`SELECT sha256 FROM device_hash WHERE ${base} AND inode = ${hello.inode}`);
      assertEquals(helloHash.sha256, createHash("sha256").update(image.hello).digest("hex"));
      // sha256 compares without case
      const upper = String(helloHash.sha256).toUpperCase();
      assertEquals(
        engine.query(
          `SELECT count(*) AS n FROM device_hash WHERE ${base} AND inode = ${hello.inode} AND sha256 = '${upper}'`,
        ),
        [{ n: 1 }],
      );
    }),
});

Deno.test("device tables: device (and partition, inode) are required", () => {
  const engine = tableEngine(TABLES);
  try {
    for (const sql of ["SELECT * FROM device_partitions", "SELECT * FROM device_file", "SELECT * FROM device_hash"]) {
      let message = "";
      try {
        engine.query(sql);
      } catch (err) {
        message = (err as Error).message;
      }
      assert(message.includes("without a required column"), `${sql}: ${message}`);
    }
  } finally {
    engine.close();
  }
});

Deno.test("device_file: modes read as osquery's file tables show them", () => {
  assertEquals(modeText(0o644), "0644");
  assertEquals(modeText(0o4755), "04755");
  assertEquals(modeText(0o7), "0007");
});
