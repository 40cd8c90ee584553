// process_namespaces — the namespace inodes of each process, from the /proc/<pid>/ns links.
import { defineTable, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { NAMESPACE_COLUMNS } from "../../core/host/proc.ts";
import { namespaceInode, NAMESPACES, pathExists, pidsToScan, PROC_ROOT } from "./_lib.ts";

/** Generates namespace rows from the procfs at `root`. */
export function generateNamespaces(ctx: QueryContext, root = PROC_ROOT): Row[] {
  const rows: Row[] = [];
  for (const pid of pidsToScan(ctx, root)) {
    const row: Row = { pid };
    let found = 0;
    for (const kind of NAMESPACES) {
      if (!ctx.isUsed(`${kind}_namespace`)) continue;
      const inode = namespaceInode(pid, kind, root);
      if (inode !== undefined) {
        row[`${kind}_namespace`] = inode;
        found++;
      }
    }
    // Unreadable links (no privilege) still give a row; a process that has exited gives none.
    if (found === 0 && !pathExists(`${root}/${pid}`)) continue;
    rows.push(row);
  }
  return rows;
}

export default registerTable(defineTable({
  name: "process_namespaces",
  description: "The Linux namespaces (cgroup, ipc, mnt, net, pid, user, uts) each process belongs to, by inode.",
  columns: [
    { name: "pid", type: "INTEGER", index: true, optimized: true },
    ...NAMESPACE_COLUMNS,
  ],
  generate(ctx) {
    return generateNamespaces(ctx);
  },
}));
