/**
 * `device_hash`: digests of a file's content inside a partition, read by inode from the raw device.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { withFileAtInode } from "./_tsk.ts";
import { forEachQueriedFileSystem, inodeConstraints } from "./_lib.ts";

export default registerTable(defineTable({
  name: "device_hash",
  description: "MD5, SHA-1 and SHA-256 of a file's content inside a partition, read from the raw device by inode.",
  columns: [
    { name: "device", type: "TEXT", required: true, description: "The disk or image file read (e.g. /dev/sda)." },
    { name: "partition", type: "TEXT", required: true, description: "The partition's address in the partition table." },
    { name: "inode", type: "BIGINT", required: true, description: "The inode whose content is hashed." },
    { name: "md5", type: "TEXT", collate: "nocase", description: "MD5 of the content, in hex." },
    { name: "sha1", type: "TEXT", collate: "nocase", description: "SHA-1 of the content, in hex." },
    { name: "sha256", type: "TEXT", collate: "nocase", description: "SHA-256 of the content, in hex." },
  ],
  generate(ctx) {
    const inodes = inodeConstraints(ctx.equals("inode"));
    const rows: Row[] = [];
    forEachQueriedFileSystem(ctx, (device, partition, fs) => {
      for (const { text, inode } of inodes) {
        withFileAtInode(fs, inode, (file) => {
          const digests = [createHash("md5"), createHash("sha1"), createHash("sha256")];
          const complete = file.read((chunk) => digests.forEach((d) => d.update(chunk)));
          // A short read (damaged or unreadable data) gives empty digests, as osquery does.
          const [md5, sha1, sha256] = complete ? digests.map((d) => d.digest("hex")) : ["", "", ""];
          rows.push({ device, partition, inode: text, md5, sha1, sha256 });
        });
      }
    });
    return rows;
  },
}));
