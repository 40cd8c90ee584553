/**
 * osquery_schedule: the daemon's scheduled queries with their execution counters.
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readSchedule } from "../../core/results/scheduler.ts";

export default registerTable(defineTable({
  name: "osquery_schedule",
  description: "Scheduled queries of the running daemon, with how often they ran and what they cost.",
  attributes: { utility: true },
  columns: [
    { name: "name", type: "TEXT" },
    { name: "query", type: "TEXT" },
    { name: "interval", type: "INTEGER" },
    { name: "executions", type: "BIGINT" },
    { name: "last_executed", type: "BIGINT" },
    { name: "denylisted", type: "INTEGER", aliases: ["blacklisted"] },
    { name: "output_size", type: "BIGINT" },
    { name: "wall_time", type: "BIGINT" },
    { name: "wall_time_ms", type: "BIGINT" },
    { name: "last_wall_time_ms", type: "BIGINT" },
    { name: "user_time", type: "BIGINT" },
    { name: "last_user_time", type: "BIGINT" },
    { name: "system_time", type: "BIGINT" },
    { name: "last_system_time", type: "BIGINT" },
    { name: "average_memory", type: "BIGINT" },
    { name: "last_memory", type: "BIGINT" },
  ],
  generate() {
    return (readSchedule()?.queries ?? []).map((q) => ({
      name: q.name,
      query: q.query,
      interval: q.interval,
      executions: q.executions,
      last_executed: q.lastExecuted,
      denylisted: q.denylisted ? 1 : 0,
      output_size: q.outputSize,
      wall_time: Math.floor(q.wallTimeMs / 1000),
      wall_time_ms: q.wallTimeMs,
      last_wall_time_ms: q.lastWallTimeMs,
      user_time: q.userTime,
      last_user_time: q.lastUserTime,
      system_time: q.systemTime,
      last_system_time: q.lastSystemTime,
      average_memory: q.averageMemory,
      last_memory: q.lastMemory,
    }));
  },
}));
