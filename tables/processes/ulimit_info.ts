// ulimit_info — this process's resource limits, from /proc/self/limits (what getrlimit(2) returns).
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { parseLimits, PROC_ROOT, readText } from "./_lib.ts";

/** Generates limit rows for this process from the procfs at `root`. */
export function generateUlimits(root = PROC_ROOT): Row[] {
  const content = readText(`${root}/self/limits`);
  if (content === undefined) return [];
  return parseLimits(content).map((l) => ({ type: l.type, soft_limit: l.soft, hard_limit: l.hard }));
}

export default registerTable(defineTable({
  name: "ulimit_info",
  description: 'Resource limits (soft and hard) in force for this process; "unlimited" where none is set.',
  columns: [
    { name: "type", type: "TEXT" },
    { name: "soft_limit", type: "TEXT" },
    { name: "hard_limit", type: "TEXT" },
  ],
  generate() {
    return generateUlimits();
  },
}));
