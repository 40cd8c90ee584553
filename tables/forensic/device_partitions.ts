/**
 * `device_partitions`: the partition table of a disk or image, read with The Sleuth Kit.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { PART_FLAG_META, PART_FLAG_UNALLOC, withDevice } from "./_tsk.ts";

export default registerTable(defineTable({
  name: "device_partitions",
  description: "Entries of a disk's partition table, with the file system found in each (read with The Sleuth Kit).",
  columns: [
    { name: "device", type: "TEXT", required: true, description: "The disk or image file read (e.g. /dev/sda)." },
    { name: "partition", type: "INTEGER", description: "The partition's address in the partition table." },
    { name: "label", type: "TEXT", description: "The partition's description as the partition table gives it." },
    { name: "type", type: "TEXT", description: "The file system type found in it, else meta, normal or unallocated." },
    {
      name: "offset",
      type: "BIGINT",
      description: "Where the partition starts, in bytes from the start of the device.",
    },
    { name: "blocks_size", type: "BIGINT", description: "Bytes per block." },
    { name: "blocks", type: "BIGINT", description: "How many blocks the partition (or its file system) has." },
    {
      name: "inodes",
      type: "BIGINT",
      description: "How many inodes its file system has (-1 when none was recognised).",
    },
    { name: "flags", type: "INTEGER", description: "The Sleuth Kit's flags for the partition or file system." },
  ],
  generate(ctx) {
    const rows: Row[] = [];
    for (const device of ctx.equals("device")) {
      withDevice(ctx.host.path(device), (dev) => {
        for (const part of dev.partitions()) {
          const row: Row = {
            device,
            partition: part.addr,
            label: part.desc,
            type: part.flags & PART_FLAG_META ? "meta" : part.flags & PART_FLAG_UNALLOC ? "unallocated" : "normal",
          };
          // A recognised file system describes itself; otherwise the partition entry does.
          const described = dev.withFileSystem(part, (fs) => {
            Object.assign(row, {
              type: fs.type,
              flags: fs.flags,
              offset: fs.offset,
              blocks_size: fs.blockSize,
              blocks: fs.blocks,
              inodes: fs.inodes,
            });
            return true;
          });
          if (!described) {
            Object.assign(row, {
              offset: typeof part.start === "bigint" ? part.start * BigInt(dev.blockSize) : part.start * dev.blockSize,
              blocks_size: dev.blockSize,
              blocks: part.len,
              inodes: -1,
              flags: part.flags,
            });
          }
          rows.push(row);
        }
      });
    }
    return rows;
  },
}));
