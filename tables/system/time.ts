/**
 * `time`: the current date and time in UTC, one row. The clock is this machine's: it is no
 * host file, so a fixture host reads it too.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { localZoneAbbreviation } from "./_libc.ts";

export default registerTable(defineTable({
  name: "time",
  description: "The current date and time in UTC, plus the host's local time zone.",
  attributes: { utility: true },
  columns: [
    { name: "weekday", type: "TEXT", description: "The day of the week in UTC, in English." },
    { name: "year", type: "INTEGER", description: "The year in UTC." },
    { name: "month", type: "INTEGER", description: "The month in UTC, 1-12." },
    { name: "day", type: "INTEGER", description: "The day of the month in UTC." },
    { name: "hour", type: "INTEGER", description: "The hour in UTC, 0-23." },
    { name: "minutes", type: "INTEGER", description: "The minute in UTC." },
    { name: "seconds", type: "INTEGER", description: "The second in UTC." },
    { name: "timezone", type: "TEXT", description: "Always UTC: the zone the other fields are in." },
    { name: "local_timezone", type: "TEXT", description: "The abbreviation of the host's local time zone now." },
    { name: "unix_time", type: "INTEGER", description: "Seconds since the Unix epoch." },
    { name: "timestamp", type: "TEXT", description: "The time as asctime(3) writes it, with a UTC suffix." },
    { name: "datetime", type: "TEXT", aliases: ["date_time"], description: "The time in ISO 8601 form, UTC." },
    { name: "iso_8601", type: "TEXT", description: "The time in ISO 8601 form, UTC (as datetime)." },
    {
      name: "win_timestamp",
      type: "BIGINT",
      linuxHidden: true,
      description: "The time as a Windows FILETIME (Windows only).",
    },
  ],
  generate() {
    return [timeRow(Math.floor(Date.now() / 1000))];
  },
}));

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
