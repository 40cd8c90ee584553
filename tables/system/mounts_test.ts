import "./mounts.ts";
import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { mountRows } from "./mounts.ts";
import { parseMounts } from "./_lib.ts";
import { fixture } from "./system_test_helpers.ts";

Deno.test("mounts: fixture entries are parsed, escapes decoded, short lines skipped", () => {
  const probed: string[] = [];
  const rows = mountRows(fixture("host_a"), (path) => {
    probed.push(path);
    return { blockSize: 4096n, blocks: 100n, blocksFree: 50n, blocksAvailable: 40n, inodes: 10n, inodesFree: 5n };
  });
  assertEquals(rows.map((r) => r.path), ["/", "/proc", "/proc/sys/fs/binfmt_misc", "/mnt/My Disk"]);
  assertEquals(rows[0].device, "/dev/sda1");
  assertEquals(rows[0].type, "ext4");
  assertEquals(rows[0].flags, "rw,relatime,errors=remount-ro");
  assertEquals(rows[0].blocks_available, 40n);
  // autofs is never probed: statfs would trigger the automounter.
  assertEquals(probed.includes("/proc/sys/fs/binfmt_misc"), false);
  assertEquals(rows[2].blocks, 0);
});

Deno.test("mounts: a failed statfs leaves zero capacity, not an error", () => {
  const rows = mountRows(fixture("host_a"), () => undefined);
  assertEquals(rows.length, 4);
  assertEquals(rows[0].blocks_size, 0);
});

Deno.test("mounts: binary garbage in /proc/mounts yields no rows", () => {
  assertEquals(mountRows(fixture("broken")), []);
  assertEquals(parseMounts("\0\0\0\n\n"), []);
});

Deno.test("mounts: the live table contains / with real capacity", () => {
  const rows = new Engine().query("SELECT * FROM mounts WHERE path = '/'");
  assert(rows.length >= 1);
  assert(rows.some((r) => Number(r.blocks_size) > 0));
});
