/**
 * `osquery_schedule`: the daemon's scheduled queries with their execution counters.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readSchedule } from "../../core/results/scheduler.ts";

export default registerTable(defineTable({
  name: "osquery_schedule",
  description: "Scheduled queries of the running daemon, with how often they ran and what they cost.",
  attributes: { utility: true },
  columns: [
    { name: "name", type: "TEXT", description: "The query's name in the schedule (pack queries are prefixed)." },
    { name: "query", type: "TEXT", description: "The SQL text that is run." },
    { name: "interval", type: "INTEGER", description: "Seconds between runs (approximate, splayed)." },
    { name: "executions", type: "BIGINT", description: "How many times the query has run." },
    { name: "last_executed", type: "BIGINT", description: "Unix time (seconds) the last run finished." },
    {
      name: "denylisted",
      type: "INTEGER",
      aliases: ["blacklisted"],
      description: "1 while the watchdog keeps the query from running, else 0.",
    },
    { name: "output_size", type: "BIGINT", description: "Bytes of result rows produced, summed over all runs." },
    { name: "wall_time", type: "BIGINT", description: "Wall-clock seconds spent running, summed (deprecated)." },
    { name: "wall_time_ms", type: "BIGINT", description: "Wall-clock milliseconds spent running, summed." },
    { name: "last_wall_time_ms", type: "BIGINT", description: "Wall-clock milliseconds of the latest run." },
    { name: "user_time", type: "BIGINT", description: "User-mode CPU milliseconds spent running, summed." },
    { name: "last_user_time", type: "BIGINT", description: "User-mode CPU milliseconds of the latest run." },
    { name: "system_time", type: "BIGINT", description: "Kernel-mode CPU milliseconds spent running, summed." },
    { name: "last_system_time", type: "BIGINT", description: "Kernel-mode CPU milliseconds of the latest run." },
    {
      name: "average_memory",
      type: "BIGINT",
      description: "Mean growth in resident bytes left after collecting the results, over all runs.",
    },
    { name: "last_memory", type: "BIGINT", description: "Growth in resident bytes left after the latest run." },
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
