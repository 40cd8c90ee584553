// process_open_files — the files each process holds open, from the /proc/<pid>/fd links.
import { defineTable, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { descriptors, pidsToScan, PROC_ROOT } from "./_lib.ts";

/** Descriptor links that name no file: sockets, pipes and anonymous kernel objects. */
function isFileLink(link: string): boolean {
  return !(link.startsWith("socket:") || link.startsWith("pipe:") || link.startsWith("anon_inode:"));
}

/** Generates open-file rows from the procfs at `root`. */
export function generateOpenFiles(ctx: QueryContext, root = PROC_ROOT): Row[] {
  const rows: Row[] = [];
  for (const pid of pidsToScan(ctx, root)) {
    // An interrupted query (Ctrl-C, a time limit) stops between processes.
    if (ctx.cancelled) break;
    for (const [fd, path] of descriptors(pid, root)) {
      if (isFileLink(path)) rows.push({ pid, fd, path });
    }
  }
  return rows;
}

export default registerTable(defineTable({
  name: "process_open_files",
  description: "Files each process holds open, one row per file descriptor (sockets and pipes excluded).",
  columns: [
    { name: "pid", type: "BIGINT", index: true },
    { name: "fd", type: "BIGINT" },
    { name: "path", type: "TEXT" },
  ],
  generate(ctx) {
    return generateOpenFiles(ctx);
  },
}));
