/**
 * `process_open_files`: the files each process holds open, from the /proc/<pid>/fd links;
 * sockets, pipes and anonymous kernel objects are left to their own tables.
 *
 * @module
 */
import { defineTable, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { descriptors } from "./_fds.ts";
import { pidsToScan } from "./_pids.ts";

export default registerTable(defineTable({
  name: "process_open_files",
  description: "Files each process holds open, one row per file descriptor (sockets and pipes excluded).",
  columns: [
    { name: "pid", type: "BIGINT", index: true, description: "Process id." },
    { name: "fd", type: "BIGINT", description: "The process's descriptor number." },
    { name: "path", type: "TEXT", description: "Path of the open file, as the descriptor link names it." },
  ],
  generate(ctx) {
    return openFileRows(ctx, ctx.host.path("/proc"));
  },
}));

/** One row per file descriptor naming a file, for each process the query names (all by default). */
function openFileRows(ctx: QueryContext, proc: string): Row[] {
  const rows: Row[] = [];
  for (const pid of pidsToScan(ctx, proc)) {
    // An interrupted query (Ctrl-C, a time limit) stops between processes.
    if (ctx.cancelled) break;
    for (const [fd, path] of descriptors(pid, proc)) {
      if (isFileLink(path)) rows.push({ pid, fd, path });
    }
  }
  return rows;
}

/** Descriptor links that name no file: sockets, pipes and anonymous kernel objects. */
function isFileLink(link: string): boolean {
  return !(link.startsWith("socket:") || link.startsWith("pipe:") || link.startsWith("anon_inode:"));
}
