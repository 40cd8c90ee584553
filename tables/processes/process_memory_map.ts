/**
 * `process_memory_map`: each process's mapped regions, from /proc/<pid>/maps, with the named
 * regions that have no file behind them ([heap], [stack], [vdso]) marked pseudo.
 *
 * @module
 */
import { defineTable, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText } from "../../core/host/files.ts";
import { parseMaps } from "./_maps.ts";
import { pidsToScan } from "./_pids.ts";

export default registerTable(defineTable({
  name: "process_memory_map",
  description: "Memory regions mapped by each process: address range, permissions, backing file or pseudo region.",
  columns: [
    { name: "pid", type: "INTEGER", index: true, optimized: true, description: "Process id." },
    { name: "start", type: "TEXT", description: "First virtual address of the region, 0x-prefixed hex." },
    { name: "end", type: "TEXT", description: "Virtual address just past the region, 0x-prefixed hex." },
    {
      name: "permissions",
      type: "TEXT",
      description: "r read, w write, x execute, p private (copy-on-write) or s shared.",
    },
    { name: "offset", type: "BIGINT", description: "Offset into the mapped file, in bytes." },
    { name: "device", type: "TEXT", description: "major:minor of the mapped file's device." },
    { name: "inode", type: "INTEGER", description: "Inode of the mapped file; 0 for anonymous memory (e.g. BSS)." },
    { name: "path", type: "TEXT", description: "The mapped file, or the pseudo region's name." },
    { name: "pseudo", type: "INTEGER", description: "1 when the path names a pseudo region rather than a file." },
  ],
  generate(ctx) {
    return mapRows(ctx, ctx.host.path("/proc"));
  },
}));

/** One row per mapped region of each process the query names (all by default). */
function mapRows(ctx: QueryContext, proc: string): Row[] {
  const rows: Row[] = [];
  for (const pid of pidsToScan(ctx, proc)) {
    const content = readText(`${proc}/${pid}/maps`);
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
