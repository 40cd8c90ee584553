/**
 * `mounts`: every mounted filesystem from /proc/mounts, with statfs(2) capacity figures. Autofs
 * mount points are not probed: statfs there would trigger the automounter.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { readMounts } from "./_lib.ts";
import { statfs } from "./_libc.ts";

export default registerTable(defineTable({
  name: "mounts",
  description: "Mounted filesystems (system-wide), with block and inode capacity from statfs.",
  columns: [
    { name: "device", type: "TEXT", description: "What is mounted: a device node, or a name such as proc or tmpfs." },
    { name: "device_alias", type: "TEXT", description: "The device path with symlinks resolved." },
    { name: "path", type: "TEXT", description: "The mount point." },
    { name: "type", type: "TEXT", description: "The filesystem type, e.g. ext4, tmpfs." },
    { name: "blocks_size", type: "BIGINT", description: "The filesystem's block size in bytes (0 when not probed)." },
    { name: "blocks", type: "BIGINT", description: "Blocks in the filesystem." },
    { name: "blocks_free", type: "BIGINT", description: "Free blocks, including those reserved for root." },
    { name: "blocks_available", type: "BIGINT", description: "Free blocks available to unprivileged users." },
    { name: "inodes", type: "BIGINT", description: "Inodes in the filesystem." },
    { name: "inodes_free", type: "BIGINT", description: "Free inodes." },
    { name: "flags", type: "TEXT", description: "The mount options, comma-separated." },
  ],
  generate(ctx) {
    return mountRows(ctx.host);
  },
}));

/** The rows for `host`'s mount table; a mount point statfs cannot probe reports zero capacity. */
function mountRows(host: Host): Row[] {
  const rows: Row[] = [];
  for (const m of readMounts(host)) {
    const s = m.type === "autofs" ? undefined : statfs(host.path(m.path));
    rows.push({
      device: m.device,
      device_alias: deviceAlias(host, m.device),
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

/** realpath of a device path as `host` sees it, or the device text itself when it is not a resolvable path. */
function deviceAlias(host: Host, device: string): string {
  if (!device.startsWith("/")) return device;
  try {
    const resolved = Deno.realPathSync(host.path(device));
    return host.root && resolved.startsWith(`${host.root}/`) ? resolved.slice(host.root.length) : resolved;
  } catch {
    return device;
  }
}
