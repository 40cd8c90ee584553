/**
 * `md_devices`: one row per software RAID array: /proc/mdstat's status, size, configuration words and
 * progress lines, with the driver's view (level, disk counts, chunk size, superblock) read from sysfs where
 * osquery asks by ioctl.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import {
  type MdAction,
  mdLevelNumber,
  type MdSysfsArray,
  readMdstat,
  readMdSysfs,
  superblockUpdateTime,
} from "./_md.ts";

/** The driver's counts: members, working (not faulty), active (in sync), failed and spare. */
function diskCounts(a: MdSysfsArray) {
  let working = 0, active = 0, failed = 0, spare = 0;
  for (const m of a.members) {
    if (m.states.includes("faulty")) failed++;
    else {
      working++;
      if (m.states.includes("in_sync")) active++;
      else if (!m.states.includes("journal")) spare++;
    }
  }
  return { nr: a.members.length, working, active, failed, spare };
}

/**
 * The superblock state words osquery prints: "clean" when the array is in sync, "bitmap_present" with a
 * write-intent bitmap; "unknown" when neither holds.
 */
function superblockState(a: MdSysfsArray): string {
  const words: string[] = [];
  if (["clean", "readonly", "read-auto"].includes(a.arrayState)) words.push("clean");
  if (a.bitmapPresent) words.push("bitmap_present");
  return words.length > 0 ? words.join(" ") : "unknown";
}

/** The three columns of one activity ("" when it is not running). */
function action(prefix: string, a: MdAction | undefined): Row {
  return {
    [`${prefix}_progress`]: a?.progress ?? "",
    [`${prefix}_finish`]: a?.finish ?? "",
    [`${prefix}_speed`]: a?.speed ?? "",
  };
}

/** The superblock update time from the first member whose superblock reads (in-sync members first). */
function updateTime(a: MdSysfsArray, root: string): number | undefined {
  const members = [...a.members].sort((x, y) =>
    Number(y.states.includes("in_sync")) - Number(x.states.includes("in_sync"))
  );
  for (const m of members) {
    if (m.states.includes("faulty")) continue;
    const t = superblockUpdateTime(m.name, a.metadataVersion, root);
    if (t !== undefined) return t;
  }
  return undefined;
}

/**
 * The rows under `root`. Arrays without a sysfs directory keep the driver columns NULL. The superblock update
 * time needs a read of a member device, so it is only read when `withUpdateTime`.
 */
export function mdDevicesRows(root = "", withUpdateTime = true): Row[] {
  const mdstat = readMdstat(root);
  const rows: Row[] = [];
  for (const array of mdstat.arrays) {
    const sys = readMdSysfs(array.name, root);
    const counts = sys ? diskCounts(sys) : undefined;
    rows.push({
      device_name: array.name,
      status: array.status,
      raid_level: sys?.level ?? mdLevelNumber(array.level),
      size: array.blocks,
      chunk_size: sys?.chunkSize,
      raid_disks: sys?.raidDisks,
      nr_raid_disks: counts?.nr,
      working_disks: counts?.working,
      active_disks: counts?.active,
      failed_disks: counts?.failed,
      spare_disks: counts?.spare,
      superblock_state: sys ? superblockState(sys) : "",
      superblock_version: sys?.metadataVersion ?? "",
      superblock_update_time: sys && withUpdateTime ? updateTime(sys, root) : undefined,
      bitmap_on_mem: array.bitmap?.onMem ?? "",
      bitmap_chunk_size: array.bitmap?.chunkSize ?? "",
      bitmap_external_file: array.bitmap?.externalFile ?? "",
      ...action("recovery", array.recovery),
      ...action("resync", array.resync),
      ...action("reshape", array.reshape),
      ...action("check_array", array.check),
      unused_devices: mdstat.unused,
      other: array.other,
    });
  }
  return rows;
}

export default registerTable(defineTable({
  name: "md_devices",
  description: "Software RAID (md) arrays: state, level, size, member counts and running recovery or resync.",
  columns: [
    { name: "device_name", type: "TEXT" },
    { name: "status", type: "TEXT" },
    { name: "raid_level", type: "INTEGER" },
    { name: "size", type: "BIGINT" },
    { name: "chunk_size", type: "BIGINT" },
    { name: "raid_disks", type: "INTEGER" },
    { name: "nr_raid_disks", type: "INTEGER" },
    { name: "working_disks", type: "INTEGER" },
    { name: "active_disks", type: "INTEGER" },
    { name: "failed_disks", type: "INTEGER" },
    { name: "spare_disks", type: "INTEGER" },
    { name: "superblock_state", type: "TEXT" },
    { name: "superblock_version", type: "TEXT" },
    { name: "superblock_update_time", type: "BIGINT" },
    { name: "bitmap_on_mem", type: "TEXT" },
    { name: "bitmap_chunk_size", type: "TEXT" },
    { name: "bitmap_external_file", type: "TEXT" },
    { name: "recovery_progress", type: "TEXT" },
    { name: "recovery_finish", type: "TEXT" },
    { name: "recovery_speed", type: "TEXT" },
    { name: "resync_progress", type: "TEXT" },
    { name: "resync_finish", type: "TEXT" },
    { name: "resync_speed", type: "TEXT" },
    { name: "reshape_progress", type: "TEXT" },
    { name: "reshape_finish", type: "TEXT" },
    { name: "reshape_speed", type: "TEXT" },
    { name: "check_array_progress", type: "TEXT" },
    { name: "check_array_finish", type: "TEXT" },
    { name: "check_array_speed", type: "TEXT" },
    { name: "unused_devices", type: "TEXT" },
    { name: "other", type: "TEXT" },
  ],
  generate: (ctx) => mdDevicesRows("", ctx.isUsed("superblock_update_time")),
}));
