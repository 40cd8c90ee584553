/**
 * The per-query counters osquery_schedule reports (executions, output size, wall and CPU time,
 * memory), kept up to date from each run's reply.
 *
 * @module
 */
import type { ScheduledQuery } from "../config/config.ts";
import type { QueryCounters } from "./scheduler.ts";
import type { RunReply } from "./reply.ts";

/** Counters of a query that has not run yet. */
export function emptyCounters(q: ScheduledQuery): QueryCounters {
  return {
    name: q.scheduledName,
    query: q.query,
    interval: q.interval,
    executions: 0,
    lastExecuted: 0,
    denylisted: false,
    outputSize: 0,
    wallTimeMs: 0,
    lastWallTimeMs: 0,
    userTime: 0,
    lastUserTime: 0,
    systemTime: 0,
    lastSystemTime: 0,
    averageMemory: 0,
    lastMemory: 0,
  };
}

/** Counts one run (failed ones too, as osquery does) into `c`. */
export function countRun(c: QueryCounters, r: RunReply): void {
  c.executions++;
  c.lastExecuted = Math.floor(Date.now() / 1000);
  c.outputSize += r.size;
  c.lastWallTimeMs = Math.round(r.wallMs);
  c.wallTimeMs += c.lastWallTimeMs;
  c.lastUserTime = r.userMs;
  c.userTime += r.userMs;
  c.lastSystemTime = r.systemMs;
  c.systemTime += r.systemMs;
  c.lastMemory = r.memory;
  c.averageMemory = Math.round((c.averageMemory * (c.executions - 1) + r.memory) / c.executions);
}
