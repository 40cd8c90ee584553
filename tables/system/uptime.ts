/**
 * `uptime`: how long the host has been running since boot.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText } from "./_lib.ts";

/**
 * Whole seconds since boot from `/proc/uptime`, rounded up as sysinfo(2) does; `undefined` when
 * the file is missing or malformed.
 */
export function readUptimeSeconds(root = ""): number | undefined {
  const first = readText(`${root}/proc/uptime`)?.trim().split(/\s+/)[0];
  if (!first || !/^\d+(\.\d+)?$/.test(first)) return undefined;
  const [whole, frac = ""] = first.split(".");
  return Number(whole) + (/[1-9]/.test(frac) ? 1 : 0);
}

/** The `uptime` rows: one, or none when the uptime is unknown. */
export function uptimeRows(root = ""): Row[] {
  const s = readUptimeSeconds(root);
  if (s === undefined) return [];
  return [{
    days: Math.floor(s / 86400),
    hours: Math.floor(s / 3600) % 24,
    minutes: Math.floor(s / 60) % 60,
    seconds: s % 60,
    total_seconds: s,
  }];
}

export default registerTable(defineTable({
  name: "uptime",
  description: "Time since the host last booted, split into days, hours, minutes and seconds.",
  columns: [
    { name: "days", type: "INTEGER" },
    { name: "hours", type: "INTEGER" },
    { name: "minutes", type: "INTEGER" },
    { name: "seconds", type: "INTEGER" },
    { name: "total_seconds", type: "BIGINT" },
  ],
  generate() {
    return uptimeRows();
  },
}));
