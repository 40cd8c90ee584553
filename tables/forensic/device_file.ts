/**
 * `device_file`: files inside a partition, read from the raw device with The Sleuth Kit (no mount needed).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { walkRegularFiles, withFileAtInode, withFileAtPath } from "./_tsk.ts";
import { fileRow, forEachQueriedFileSystem, inodeConstraints } from "./_lib.ts";

export default registerTable(defineTable({
  name: "device_file",
  description: "Files inside a partition of a disk or image, read from the raw device with The Sleuth Kit.",
  columns: [
    {
      name: "device",
      type: "TEXT",
      required: true,
      index: true,
      description: "The disk or image file read (e.g. /dev/sda).",
    },
    {
      name: "partition",
      type: "TEXT",
      required: true,
      index: true,
      description: "The partition's address in the partition table.",
    },
    {
      name: "path",
      type: "TEXT",
      additional: true,
      description: "The file's path inside the partition's file system.",
    },
    { name: "filename", type: "TEXT", description: "The last component of path." },
    { name: "inode", type: "BIGINT", index: true, description: "The file's inode number in that file system." },
    { name: "uid", type: "BIGINT", description: "The owning user's id." },
    { name: "gid", type: "BIGINT", description: "The owning group's id." },
    { name: "mode", type: "TEXT", description: "Permission bits in octal (e.g. 0644)." },
    { name: "size", type: "BIGINT", description: "Size of the file in bytes." },
    { name: "block_size", type: "INTEGER", description: "Block size of the file system in bytes." },
    { name: "atime", type: "BIGINT", description: "Unix time (seconds) of the last access." },
    { name: "mtime", type: "BIGINT", description: "Unix time (seconds) of the last content change." },
    {
      name: "ctime",
      type: "BIGINT",
      description: "Unix time (seconds) the file was created, where the file system records it.",
    },
    { name: "hard_links", type: "INTEGER", description: "How many names link to the inode." },
    { name: "type", type: "TEXT", description: "The kind of file (regular, directory, symlink, ...)." },
  ],
  generate(ctx) {
    const paths = ctx.equals("path");
    const inodes = inodeConstraints(ctx.equals("inode"));
    const rows: Row[] = [];
    forEachQueriedFileSystem(ctx, (device, partition, fs) => {
      // Without a path or inode, the whole partition is walked.
      if (paths.length === 0 && inodes.length === 0) {
        walkRegularFiles(fs, (e) => rows.push(fileRow(device, partition, e.path, fs.blockSize, e.meta)));
      }
      for (const path of paths) {
        withFileAtPath(fs, path, (f) => rows.push(fileRow(device, partition, path, fs.blockSize, f.meta)));
      }
      for (const { inode } of inodes) {
        withFileAtInode(fs, inode, (f) => {
          // The inode's own name record (NTFS keeps one); other file systems leave the path empty.
          rows.push(fileRow(device, partition, f.meta.name2 ?? "", fs.blockSize, f.meta));
        });
      }
    });
    return rows;
  },
}));
