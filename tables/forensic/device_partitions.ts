import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { PART_FLAG_META, PART_FLAG_UNALLOC, withDevice } from "./_tsk.ts";

export default registerTable(defineTable({
  name: "device_partitions",
  description: "Entries of a disk's partition table, with the file system found in each (read with The Sleuth Kit).",
  columns: [
    { name: "device", type: "TEXT", required: true },
    { name: "partition", type: "INTEGER" },
    { name: "label", type: "TEXT" },
    { name: "type", type: "TEXT" },
    { name: "offset", type: "BIGINT" },
    { name: "blocks_size", type: "BIGINT" },
    { name: "blocks", type: "BIGINT" },
    { name: "inodes", type: "BIGINT" },
    { name: "flags", type: "INTEGER" },
  ],
  generate(ctx) {
    const rows: Row[] = [];
    for (const device of ctx.equals("device")) {
      withDevice(device, (dev) => {
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
