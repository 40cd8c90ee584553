/**
 * `process_namespaces`: the namespace inodes of each process, from the /proc/<pid>/ns links.
 * A link that cannot be read (no privilege over the process) leaves its column NULL.
 *
 * @module
 */
import { defineTable, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { exists } from "../../core/host/files.ts";
import { NAMESPACE_COLUMNS, namespaceInode, NAMESPACES } from "../../core/host/proc.ts";
import { pidsToScan } from "./_pids.ts";

export default registerTable(defineTable({
  name: "process_namespaces",
  description: "The Linux namespaces (cgroup, ipc, mnt, net, pid, user, uts) each process belongs to, by inode.",
  columns: [
    { name: "pid", type: "INTEGER", index: true, optimized: true, description: "Process id." },
    ...NAMESPACE_COLUMNS,
  ],
  generate(ctx) {
    return namespaceRows(ctx, ctx.host.path("/proc"));
  },
}));

/** One row per process the query names (all by default), with the namespaces it reads. */
function namespaceRows(ctx: QueryContext, proc: string): Row[] {
  const rows: Row[] = [];
  for (const pid of pidsToScan(ctx, proc)) {
    const row: Row = { pid };
    let found = 0;
    for (const kind of NAMESPACES) {
      if (!ctx.isUsed(`${kind}_namespace`)) continue;
      const inode = namespaceInode(pid, kind, proc);
      if (inode !== undefined) {
        row[`${kind}_namespace`] = inode;
        found++;
      }
    }
    // Unreadable links (no privilege) still give a row; a process that has exited gives none.
    if (found === 0 && !exists(`${proc}/${pid}`)) continue;
    rows.push(row);
  }
  return rows;
}
