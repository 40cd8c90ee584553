/**
 * `md_devices`: one row per software RAID array: /proc/mdstat's status, size, configuration words and
 * progress lines, with the driver's view (level, disk counts, chunk size, superblock) read from sysfs where
 * osquery asks by ioctl.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import {
  type MdAction,
  mdLevelNumber,
  type MdSysfsArray,
  readMdstat,
  readMdSysfs,
  superblockUpdateTime,
} from "./_md.ts";

export default registerTable(defineTable({
  name: "md_devices",
  description: "Software RAID (md) arrays: state, level, size, member counts and running recovery or resync.",
  columns: [
    { name: "device_name", type: "TEXT", description: "The array's name, e.g. md0." },
    { name: "status", type: "TEXT", description: "The array's state in /proc/mdstat: active, inactive, ..." },
    {
      name: "raid_level",
      type: "INTEGER",
      description: "The RAID level (linear -1, multipath -4, faulty -5, raidN N).",
    },
    { name: "size", type: "BIGINT", description: "The array's usable size in 1 KiB blocks." },
    { name: "chunk_size", type: "BIGINT", description: "The chunk size in bytes." },
    { name: "raid_disks", type: "INTEGER", description: "Member slots the array is configured with." },
    {
      name: "nr_raid_disks",
      type: "INTEGER",
      description: "Member devices the array has now, spares and failed ones included.",
    },
    { name: "working_disks", type: "INTEGER", description: "Members that have not failed." },
    { name: "active_disks", type: "INTEGER", description: "Members in sync and serving data." },
    { name: "failed_disks", type: "INTEGER", description: "Members marked faulty." },
    {
      name: "spare_disks",
      type: "INTEGER",
      description: "Working members not in sync: spares, or ones being rebuilt.",
    },
    { name: "superblock_state", type: "TEXT", description: "clean and/or bitmap_present, or unknown." },
    { name: "superblock_version", type: "TEXT", description: "The metadata format, e.g. 1.2." },
    {
      name: "superblock_update_time",
      type: "BIGINT",
      description: "When a member's superblock was last written, Unix seconds.",
    },
    {
      name: "bitmap_on_mem",
      type: "TEXT",
      description: "Pages the in-memory write-intent bitmap uses, as mdstat prints them.",
    },
    {
      name: "bitmap_chunk_size",
      type: "TEXT",
      description: "The write-intent bitmap's chunk size, as mdstat prints it.",
    },
    { name: "bitmap_external_file", type: "TEXT", description: "The file holding an external write-intent bitmap." },
    { name: "recovery_progress", type: "TEXT", description: "How far a running recovery is." },
    {
      name: "recovery_finish",
      type: "TEXT",
      description: "The time a running recovery still needs, as mdstat estimates it.",
    },
    { name: "recovery_speed", type: "TEXT", description: "The speed of a running recovery." },
    { name: "resync_progress", type: "TEXT", description: "How far a running resync is (or DELAYED / PENDING)." },
    { name: "resync_finish", type: "TEXT", description: "The time a running resync still needs." },
    { name: "resync_speed", type: "TEXT", description: "The speed of a running resync." },
    { name: "reshape_progress", type: "TEXT", description: "How far a running reshape is." },
    { name: "reshape_finish", type: "TEXT", description: "The time a running reshape still needs." },
    { name: "reshape_speed", type: "TEXT", description: "The speed of a running reshape." },
    { name: "check_array_progress", type: "TEXT", description: "How far a running consistency check is." },
    { name: "check_array_finish", type: "TEXT", description: "The time a running check still needs." },
    { name: "check_array_speed", type: "TEXT", description: "The speed of a running check." },
    {
      name: "unused_devices",
      type: "TEXT",
      description: "Devices md knows that belong to no array (mdstat's last line).",
    },
    { name: "other", type: "TEXT", description: "The rest of the array's configuration line in mdstat." },
  ],
  generate(ctx) {
    // The update time is read from a member device: only when the query asks for it.
    return mdDevicesRows(ctx.host, ctx.isUsed("superblock_update_time"));
  },
}));

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
function updateTime(a: MdSysfsArray, host: Host): number | undefined {
  const members = [...a.members].sort((x, y) =>
    Number(y.states.includes("in_sync")) - Number(x.states.includes("in_sync"))
  );
  for (const m of members) {
    if (m.states.includes("faulty")) continue;
    const t = superblockUpdateTime(m.name, a.metadataVersion, host);
    if (t !== undefined) return t;
  }
  return undefined;
}

/**
 * The rows of `host`'s arrays. Arrays without a sysfs directory keep the driver columns NULL. The
 * superblock update time needs a read of a member device, so it is only read when `withUpdateTime`.
 */
function mdDevicesRows(host: Host, withUpdateTime: boolean): Row[] {
  const mdstat = readMdstat(host);
  const rows: Row[] = [];
  for (const array of mdstat.arrays) {
    const sys = readMdSysfs(array.name, host);
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
      superblock_update_time: sys && withUpdateTime ? updateTime(sys, host) : undefined,
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
