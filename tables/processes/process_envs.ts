// process_envs — each process's environment, from /proc/<pid>/environ.
import { defineTable, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { parseEnviron, pidsToScan, PROC_ROOT, readText } from "./_lib.ts";

/** Generates environment rows from the procfs at `root`. */
export function generateProcessEnvs(ctx: QueryContext, root = PROC_ROOT): Row[] {
  const rows: Row[] = [];
  for (const pid of pidsToScan(ctx, root)) {
    const content = readText(`${root}/${pid}/environ`);
    if (content === undefined) continue;
    for (const [key, value] of parseEnviron(content)) rows.push({ pid, key, value });
  }
  return rows;
}

export default registerTable(defineTable({
  name: "process_envs",
  description: "Environment variables of each process, one row per variable.",
  columns: [
    { name: "pid", type: "INTEGER", index: true, optimized: true },
    { name: "key", type: "TEXT" },
    { name: "value", type: "TEXT" },
  ],
  generate(ctx) {
    return generateProcessEnvs(ctx);
  },
}));
