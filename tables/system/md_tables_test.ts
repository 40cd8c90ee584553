// Tests for md_devices, md_drives and md_personalities over testdata/system/md_host.
import { Engine } from "../../core/engine.ts";
import { fixtureHost } from "../../core/host/host.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import mdDevices from "./md_devices.ts";
import mdDrives from "./md_drives.ts";
import mdPersonalities from "./md_personalities.ts";
import { parseMdstat, superblockUpdateTime } from "./_md.ts";
import { fixture, generated } from "./system_test_helpers.ts";

const host = fixture("md_host");

Deno.test("md_personalities: the bracketed names on mdstat's first line, in order", () => {
  assertEquals(generated(mdPersonalities, host).map((r) => r.name), [
    "raid1",
    "raid6",
    "raid5",
    "raid4",
    "linear",
    "raid0",
    "raid10",
  ]);
});

Deno.test("md_devices: a degraded RAID5 in recovery with a bitmap, counts from its members", () => {
  const rows = generated(mdDevices, host);
  assertEquals(rows.map((r) => r.device_name), ["md1", "md0", "md2"]);
  assertEquals(rows[0], {
    device_name: "md1",
    status: "active",
    raid_level: 5,
    size: 1953258496,
    chunk_size: 524288,
    raid_disks: 3,
    nr_raid_disks: 5,
    working_disks: 4,
    active_disks: 2,
    failed_disks: 1,
    spare_disks: 2,
    superblock_state: "bitmap_present",
    superblock_version: "1.2",
    superblock_update_time: undefined,
    bitmap_on_mem: "2/8 pages [8KB]",
    bitmap_chunk_size: "65536KB chunk",
    bitmap_external_file: "",
    recovery_progress: "12.6% (123456/976629248)",
    recovery_finish: "127.5min",
    recovery_speed: "106000K/sec",
    resync_progress: "",
    resync_finish: "",
    resync_speed: "",
    reshape_progress: "",
    reshape_finish: "",
    reshape_speed: "",
    check_array_progress: "",
    check_array_finish: "",
    check_array_speed: "",
    unused_devices: "<none>",
    other: "super 1.2 level 5, 512k chunk, algorithm 2",
  });
  assertEquals([rows[1].superblock_state, rows[1].bitmap_external_file, rows[1].other, rows[1].raid_level], [
    "clean bitmap_present",
    "/var/md0-bitmap",
    "super 1.2",
    1,
  ]);
  // md0's member sda1 carries a 1.2 superblock (fixture dev/sda1): its update time is reported.
  assertEquals(rows[1].superblock_update_time, 1700000000);
  assertEquals(generated(mdDevices, host, { used: ["device_name"] })[1].superblock_update_time, undefined);
  assertEquals([rows[2].resync_progress, rows[2].superblock_state, rows[2].failed_disks], ["DELAYED", "clean", 1]);
});

Deno.test("md_drives: slots and states; unslotted failures fill empty slots, the rest are 'removed'", () => {
  const rows = generated(mdDrives, host);
  assertEquals(rows.filter((r) => r.md_device_name === "md1"), [
    { md_device_name: "md1", drive_name: "/dev/sdc1", slot: 0, state: "active sync" },
    { md_device_name: "md1", drive_name: "/dev/sdd1", slot: 1, state: "active sync writemostly" },
    { md_device_name: "md1", drive_name: "/dev/sde1", slot: 2, state: "recovering" },
    { md_device_name: "md1", drive_name: "/dev/sdf1", slot: undefined, state: "spare" },
    { md_device_name: "md1", drive_name: "/dev/sdg1", slot: undefined, state: "faulty" },
  ]);
  assertEquals(rows.filter((r) => r.md_device_name === "md2"), [
    { md_device_name: "md2", drive_name: "/dev/sdh", slot: 0, state: "active sync" },
    { md_device_name: "md2", drive_name: "/dev/sdi", slot: 1, state: "active sync" },
    { md_device_name: "md2", drive_name: "/dev/sdj", slot: 2, state: "faulty" },
    { md_device_name: "md2", drive_name: "unknown", slot: 3, state: "removed" },
  ]);
});

Deno.test("md tables: malformed mdstat lines are skipped; hosts without md give no rows", () => {
  const parsed = parseMdstat("Personalities : [raid1] [] x\nmd0 :\nmd5 : active\nmdx\nunused devices: sdz\n");
  assertEquals(parsed.personalities, ["raid1"]);
  assertEquals(parsed.arrays.map((a) => [a.name, a.status, a.level, a.blocks]), [["md5", "active", "", 0]]);
  assertEquals(parsed.unused, "sdz");
  assertEquals(parseMdstat("").arrays, []);
  assertEquals(generated(mdDevices, fixture("broken")), []);
  assertEquals(generated(mdDrives, fixture("broken")), []);
  assertEquals(generated(mdPersonalities, fixture("broken")), []);
});

Deno.test("md tables: live queries run and agree with /proc/mdstat", () => {
  const engine = new Engine();
  let mdstat = "";
  try {
    mdstat = Deno.readTextFileSync("/proc/mdstat");
  } catch { /* md driver not loaded */ }
  const devices = engine.query("SELECT device_name FROM md_devices");
  assertEquals(devices.length, parseMdstat(mdstat).arrays.length);
  assert(Array.isArray(engine.query("SELECT * FROM md_drives")));
  assertEquals(engine.query("SELECT name FROM md_personalities").length, parseMdstat(mdstat).personalities.length);
});

Deno.test("md_devices: superblock update time from 1.0 (end of device) and 0.90 superblocks; external metadata has none", () => {
  const root = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${root}/dev`);
    const sectors = 1024;
    for (const [name, version] of [["sdx", "1.0"], ["sdy", "0.90"]]) {
      Deno.mkdirSync(`${root}/sys/class/block/${name}`, { recursive: true });
      Deno.writeTextFileSync(`${root}/sys/class/block/${name}/size`, `${sectors}\n`);
      const disk = new Uint8Array(sectors * 512);
      const view = new DataView(disk.buffer);
      const at = version === "1.0" ? ((sectors - 16) & ~7) * 512 : ((sectors & ~127) - 128) * 512;
      view.setUint32(at, 0xa92b4efc, true);
      if (version === "1.0") view.setBigUint64(at + 192, 1600000000n, true);
      else view.setUint32(at + 128, 1500000000, true);
      Deno.writeFileSync(`${root}/dev/${name}`, disk);
    }
    const host = fixtureHost(root);
    assertEquals(superblockUpdateTime("sdx", "1.0", host), 1600000000);
    assertEquals(superblockUpdateTime("sdy", "0.90", host), 1500000000);
    assertEquals(superblockUpdateTime("sdx", "external:imsm", host), undefined);
    assertEquals(superblockUpdateTime("sdx", "1.2", host), undefined, "no magic at 4 KiB");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
