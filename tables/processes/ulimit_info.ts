/**
 * `ulimit_info`: this process's resource limits, from /proc/self/limits (what getrlimit(2)
 * returns), under osquery's names and in its order.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText } from "../../core/host/files.ts";
import { parseLimits } from "./_limits.ts";

export default registerTable(defineTable({
  name: "ulimit_info",
  description: 'Resource limits (soft and hard) in force for this process; "unlimited" where none is set.',
  columns: [
    { name: "type", type: "TEXT", description: "The limited resource (cpu, fsize, nofile, stack, ...)." },
    { name: "soft_limit", type: "TEXT", description: "The limit in force, or unlimited." },
    { name: "hard_limit", type: "TEXT", description: "The ceiling the soft limit may be raised to, or unlimited." },
  ],
  generate(ctx) {
    const content = readText(ctx.host.path("/proc/self/limits"));
    if (content === undefined) return [];
    return parseLimits(content).map((l) => ({ type: l.type, soft_limit: l.soft, hard_limit: l.hard }));
  },
}));
