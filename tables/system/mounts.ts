/**
 * `mounts`: every mounted filesystem from /proc/mounts, with statfs(2) capacity figures.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readMounts } from "./_lib.ts";
import { type StatFs, statfs } from "./_libc.ts";

/** realpath of a device path, or the device text itself when it is not a resolvable path. */
function deviceAlias(device: string): string {
  if (!device.startsWith("/")) return device;
  try {
    return Deno.realPathSync(device);
  } catch {
    return device;
  }
}

/**
 * The `mounts` rows for the mount table under `root`. `stat` is the capacity probe (statfs on the
 * live host); autofs mounts are not probed, as probing would trigger the automounter.
 */
export function mountRows(root = "", stat: (path: string) => StatFs | undefined = statfs): Row[] {
  const rows: Row[] = [];
  for (const m of readMounts(root)) {
    const s = m.type === "autofs" ? undefined : stat(m.path);
    rows.push({
      device: m.device,
      device_alias: deviceAlias(m.device),
      path: m.path,
      type: m.type,
      // osquery narrows these to 32 bits; we keep the full 64-bit counts so large filesystems report truly.
      blocks_size: s?.blockSize ?? 0,
      blocks: s?.blocks ?? 0,
      blocks_free: s?.blocksFree ?? 0,
      blocks_available: s?.blocksAvailable ?? 0,
      inodes: s?.inodes ?? 0,
      inodes_free: s?.inodesFree ?? 0,
      flags: m.flags,
    });
  }
  return rows;
}

export default registerTable(defineTable({
  name: "mounts",
  description: "Mounted filesystems (system-wide), with block and inode capacity from statfs.",
  columns: [
    { name: "device", type: "TEXT" },
    { name: "device_alias", type: "TEXT", description: "The device path with symlinks resolved" },
    { name: "path", type: "TEXT", description: "Mount point" },
    { name: "type", type: "TEXT" },
    { name: "blocks_size", type: "BIGINT" },
    { name: "blocks", type: "BIGINT" },
    { name: "blocks_free", type: "BIGINT", description: "Free blocks, including those reserved for root" },
    { name: "blocks_available", type: "BIGINT", description: "Free blocks available to unprivileged users" },
    { name: "inodes", type: "BIGINT" },
    { name: "inodes_free", type: "BIGINT" },
    { name: "flags", type: "TEXT", description: "Mount options" },
  ],
  generate() {
    return mountRows();
  },
}));
