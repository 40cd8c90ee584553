import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import mounts from "./mounts.ts";
import { parseMounts } from "./_lib.ts";
import { fixture, generated } from "./system_test_helpers.ts";

Deno.test("mounts: fixture entries are parsed, escapes decoded, short lines skipped", () => {
  const rows = generated(mounts, fixture("host_a"));
  assertEquals(rows.map((r) => r.path), ["/", "/proc", "/proc/sys/fs/binfmt_misc", "/mnt/My Disk"]);
  assertEquals(rows[0].device, "/dev/sda1");
  assertEquals(rows[0].type, "ext4");
  assertEquals(rows[0].flags, "rw,relatime,errors=remount-ro");
  // The fixture's root directory exists: statfs measures the filesystem it lives on.
  assert(Number(rows[0].blocks_size) > 0 && Number(rows[0].blocks) > 0);
});

Deno.test("mounts: a failed statfs leaves zero capacity, not an error", () => {
  const rows = generated(mounts, fixture("host_a"));
  assertEquals(rows.length, 4);
  // The fixture has no mnt/My Disk: statfs fails there.
  assertEquals([rows[3].blocks_size, rows[3].blocks, rows[3].inodes], [0, 0, 0]);
});

Deno.test("mounts: autofs mount points are never probed (statfs would trigger the automounter)", () => {
  const root = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${root}/proc`);
    Deno.mkdirSync(`${root}/auto`);
    Deno.writeTextFileSync(`${root}/proc/mounts`, "/dev/sda1 / ext4 rw 0 0\nsystemd-1 /auto autofs rw 0 0\n");
    const rows = generated(mounts, root);
    assertEquals(rows.map((r) => r.type), ["ext4", "autofs"]);
    assert(Number(rows[0].blocks_size) > 0, "the root is probed");
    assertEquals([rows[1].blocks_size, rows[1].blocks], [0, 0]);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("mounts: binary garbage in /proc/mounts yields no rows", () => {
  assertEquals(generated(mounts, fixture("broken")), []);
  assertEquals(parseMounts("\0\0\0\n\n"), []);
});

Deno.test("mounts: the live table contains / with real capacity", () => {
  const rows = new Engine().query("SELECT * FROM mounts WHERE path = '/'");
  assert(rows.length >= 1);
  assert(rows.some((r) => Number(r.blocks_size) > 0));
});
