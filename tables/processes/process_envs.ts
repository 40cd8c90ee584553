/**
 * `process_envs`: each process's environment, one row per variable, from /proc/<pid>/environ
 * (the environment the process started with).
 *
 * @module
 */
import { defineTable, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText } from "../../core/host/files.ts";
import { pidsToScan } from "./_pids.ts";
import { parseEnviron } from "./_proc.ts";

export default registerTable(defineTable({
  name: "process_envs",
  description: "Environment variables of each process, one row per variable.",
  columns: [
    { name: "pid", type: "INTEGER", index: true, optimized: true, description: "Process id." },
    { name: "key", type: "TEXT", description: "Variable name." },
    { name: "value", type: "TEXT", description: "Variable value." },
  ],
  generate(ctx) {
    return environmentRows(ctx, ctx.host.path("/proc"));
  },
}));

/** One row per variable of each process the query names (all by default). */
function environmentRows(ctx: QueryContext, proc: string): Row[] {
  const rows: Row[] = [];
  for (const pid of pidsToScan(ctx, proc)) {
    const content = readText(`${proc}/${pid}/environ`);
    if (content === undefined) continue;
    for (const [key, value] of parseEnviron(content)) rows.push({ pid, key, value });
  }
  return rows;
}
