/**
 * `uptime`: how long the host has been running since boot, from /proc/uptime.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText } from "./_lib.ts";
import { parseUptimeSeconds } from "../../core/host/uptime.ts";

export default registerTable(defineTable({
  name: "uptime",
  description: "Time since the host last booted, split into days, hours, minutes and seconds.",
  columns: [
    { name: "days", type: "INTEGER", description: "Whole days since boot." },
    { name: "hours", type: "INTEGER", description: "Hours past the whole days, 0-23." },
    { name: "minutes", type: "INTEGER", description: "Minutes past the whole hours, 0-59." },
    { name: "seconds", type: "INTEGER", description: "Seconds past the whole minutes, 0-59." },
    { name: "total_seconds", type: "BIGINT", description: "Seconds since boot in all." },
  ],
  generate(ctx) {
    return uptimeRows(parseUptimeSeconds(readText(ctx.host.path("/proc/uptime"))));
  },
}));

/** The rows: one, or none when the uptime is unknown. */
function uptimeRows(s: number | undefined): Row[] {
  if (s === undefined) return [];
  return [{
    days: Math.floor(s / 86400),
    hours: Math.floor(s / 3600) % 24,
    minutes: Math.floor(s / 60) % 60,
    seconds: s % 60,
    total_seconds: s,
  }];
}
