// process_memory_map — each process's mapped regions, from /proc/<pid>/maps.
import { defineTable, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { parseMaps, pidsToScan, PROC_ROOT, readText } from "./_lib.ts";

/** Generates memory-map rows from the procfs at `root`. */
export function generateMemoryMap(ctx: QueryContext, root = PROC_ROOT): Row[] {
  const rows: Row[] = [];
  for (const pid of pidsToScan(ctx, root)) {
    const content = readText(`${root}/${pid}/maps`);
    if (content === undefined) continue;
    for (const m of parseMaps(content)) {
      rows.push({
        pid,
        start: "0x" + m.start,
        end: "0x" + m.end,
        permissions: m.permissions,
        offset: m.offset,
        device: m.device,
        inode: m.inode,
        path: m.path,
        // A named region with no backing inode ([heap], [stack], [vdso], ...) is pseudo.
        pseudo: m.inode === 0 && m.path !== "" ? 1 : 0,
      });
    }
  }
  return rows;
}

export default registerTable(defineTable({
  name: "process_memory_map",
  description: "Memory regions mapped by each process: address range, permissions, backing file or pseudo region.",
  columns: [
    { name: "pid", type: "INTEGER", index: true, optimized: true },
    { name: "start", type: "TEXT" },
    { name: "end", type: "TEXT" },
    { name: "permissions", type: "TEXT" },
    { name: "offset", type: "BIGINT" },
    { name: "device", type: "TEXT" },
    { name: "inode", type: "INTEGER" },
    { name: "path", type: "TEXT" },
    { name: "pseudo", type: "INTEGER" },
  ],
  generate(ctx) {
    return generateMemoryMap(ctx);
  },
}));
