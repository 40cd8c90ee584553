import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { walkRegularFiles, withFileAtInode, withFileAtPath } from "./_tsk.ts";
import { fileRow, forEachQueriedFileSystem, inodeConstraints } from "./_lib.ts";

export default registerTable(defineTable({
  name: "device_file",
  description: "Files inside a partition of a disk or image, read from the raw device with The Sleuth Kit.",
  columns: [
    { name: "device", type: "TEXT", required: true, index: true },
    { name: "partition", type: "TEXT", required: true, index: true },
    { name: "path", type: "TEXT", additional: true },
    { name: "filename", type: "TEXT" },
    { name: "inode", type: "BIGINT", index: true },
    { name: "uid", type: "BIGINT" },
    { name: "gid", type: "BIGINT" },
    { name: "mode", type: "TEXT" },
    { name: "size", type: "BIGINT" },
    { name: "block_size", type: "INTEGER" },
    { name: "atime", type: "BIGINT" },
    { name: "mtime", type: "BIGINT" },
    { name: "ctime", type: "BIGINT" },
    { name: "hard_links", type: "INTEGER" },
    { name: "type", type: "TEXT" },
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
