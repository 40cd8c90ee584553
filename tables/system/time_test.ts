import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { asciiTime, timeRow } from "./time.ts";

Deno.test("time: a known instant renders every column", () => {
  const row = timeRow(1700000000); // 2023-11-14T22:13:20Z, a Tuesday
  assertEquals(row.weekday, "Tuesday");
  assertEquals([row.year, row.month, row.day, row.hour, row.minutes, row.seconds], [2023, 11, 14, 22, 13, 20]);
  assertEquals(row.timezone, "UTC");
  assertEquals(row.unix_time, 1700000000);
  assertEquals(row.datetime, "2023-11-14T22:13:20Z");
  assertEquals(row.iso_8601, "2023-11-14T22:13:20Z");
  assertEquals(row.timestamp, "Tue Nov 14 22:13:20 2023 UTC");
  assert(typeof row.local_timezone === "string" && row.local_timezone.length > 0);
});

Deno.test("time: asctime pads a single-digit day with a space", () => {
  assertEquals(asciiTime(new Date(Date.UTC(2024, 1, 3, 4, 5, 6))), "Sat Feb  3 04:05:06 2024 UTC");
});

Deno.test("time: the live row agrees with Date and with itself", () => {
  const before = Math.floor(Date.now() / 1000);
  const [row] = new Engine().query("SELECT * FROM time");
  const after = Math.floor(Date.now() / 1000);
  const unix = Number(row.unix_time);
  assert(unix >= before && unix <= after, `unix_time ${unix} outside [${before}, ${after}]`);
  const d = new Date(unix * 1000);
  assertEquals(row.year, d.getUTCFullYear());
  assertEquals(row.month, d.getUTCMonth() + 1);
  assertEquals(row.day, d.getUTCDate());
  assertEquals(row.hour, d.getUTCHours());
  assertEquals(row.minutes, d.getUTCMinutes());
  assertEquals(row.seconds, d.getUTCSeconds());
  assertEquals(row.datetime, d.toISOString().replace(".000", ""));
  assertEquals(new Engine().query("SELECT date_time = datetime AS same FROM time")[0].same, 1);
});
