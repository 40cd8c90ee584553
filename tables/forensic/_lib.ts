/**
 * Shared by the device_* tables: constraint handling and the row shape of a file read through
 * The Sleuth Kit.
 *
 * @module
 */
import type { QueryContext, Row } from "../../core/table.ts";
import { type FileMeta, type FileSystem, META_TYPE_NAMES, withDevice } from "./_tsk.ts";

/**
 * Opens the file system of every partition the query names (`device =`, read under `ctx.host`,
 * and `partition =`, the partition by its address) and calls `use` with each; devices or
 * partitions that cannot be opened are skipped.
 */
export function forEachQueriedFileSystem(
  ctx: QueryContext,
  use: (device: string, partition: string, fs: FileSystem) => void,
): void {
  const partitions = new Set(ctx.equals("partition"));
  for (const device of ctx.equals("device")) {
    withDevice(ctx.host.path(device), (dev) => {
      for (const part of dev.partitions()) {
        const partition = String(part.addr);
        if (partitions.has(partition)) dev.withFileSystem(part, (fs) => use(device, partition, fs));
      }
    });
  }
}

/** Inode numbers from `inode = ...` constraints; text that is not a non-negative integer is skipped. */
export function inodeConstraints(values: string[]): { text: string; inode: bigint }[] {
  return values.filter((v) => /^\d+$/.test(v.trim())).map((v) => ({ text: v, inode: BigInt(v.trim()) }));
}

/** Permission bits as osquery's file tables show them (`0644`, `04755`). */
export function modeText(mode: number): string {
  return "0" + (mode & 0o7777).toString(8).padStart(3, "0");
}

/** A device_file row for one file. */
export function fileRow(device: string, partition: string, path: string, blockSize: number, meta: FileMeta): Row {
  const slash = path.lastIndexOf("/");
  return {
    device,
    partition,
    path,
    filename: slash >= 0 ? path.slice(slash + 1) : path,
    inode: meta.inode,
    uid: meta.uid,
    gid: meta.gid,
    mode: modeText(meta.mode),
    size: meta.size,
    block_size: blockSize,
    atime: meta.atime,
    mtime: meta.mtime,
    ctime: meta.crtime, // osquery reports the creation time here
    hard_links: meta.links,
    type: META_TYPE_NAMES[meta.type] ?? "unknown",
  };
}
