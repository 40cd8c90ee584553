/**
 * `time`: the current date and time in UTC, one row.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { localZoneAbbreviation } from "./_libc.ts";

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const pad2 = (n: number) => String(n).padStart(2, "0");

/** asctime(3)'s layout ("Mon Nov  3 20:10:14 2026") of a UTC date, with osquery's " UTC" suffix. */
export function asciiTime(d: Date): string {
  const day = String(d.getUTCDate()).padStart(2, " ");
  const clock = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  return `${WEEKDAYS[d.getUTCDay()].slice(0, 3)} ${MONTHS[d.getUTCMonth()]} ${day} ${clock} ${d.getUTCFullYear()} UTC`;
}

/** The `time` row for `unixSeconds` (whole seconds since the epoch). */
export function timeRow(unixSeconds: number): Row {
  const d = new Date(unixSeconds * 1000);
  const iso = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${
    pad2(d.getUTCMinutes())
  }:${pad2(d.getUTCSeconds())}Z`;
  return {
    weekday: WEEKDAYS[d.getUTCDay()],
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minutes: d.getUTCMinutes(),
    seconds: d.getUTCSeconds(),
    timezone: "UTC",
    local_timezone: localZoneAbbreviation(unixSeconds) || "UTC",
    unix_time: unixSeconds,
    timestamp: asciiTime(d),
    datetime: iso,
    iso_8601: iso,
  };
}

export default registerTable(defineTable({
  name: "time",
  description: "The current date and time in UTC, plus the host's local time zone.",
  attributes: { utility: true },
  columns: [
    { name: "weekday", type: "TEXT", description: "Day of the week, in English" },
    { name: "year", type: "INTEGER" },
    { name: "month", type: "INTEGER" },
    { name: "day", type: "INTEGER" },
    { name: "hour", type: "INTEGER" },
    { name: "minutes", type: "INTEGER" },
    { name: "seconds", type: "INTEGER" },
    { name: "timezone", type: "TEXT", description: "Always UTC: the zone the other fields are in" },
    { name: "local_timezone", type: "TEXT", description: "Abbreviation of the host's local zone" },
    { name: "unix_time", type: "INTEGER" },
    { name: "timestamp", type: "TEXT", description: "asctime-style text with a UTC suffix" },
    { name: "datetime", type: "TEXT", aliases: ["date_time"], description: "ISO 8601 date and time" },
    { name: "iso_8601", type: "TEXT" },
    { name: "win_timestamp", type: "BIGINT", linuxHidden: true },
  ],
  generate() {
    return [timeRow(Math.floor(Date.now() / 1000))];
  },
}));
