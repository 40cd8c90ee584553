import { Engine } from "../../core/engine.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import uptime from "./uptime.ts";
import { parseUptimeSeconds } from "../../core/host/uptime.ts";
import { fixture, generated } from "./system_test_helpers.ts";

Deno.test("uptime: fixture seconds split into days, hours, minutes, seconds (rounded up like sysinfo)", () => {
  // 93784.57 s → 93785 s = 1 day 2 h 3 min 5 s
  assertEquals(generated(uptime, fixture("host_a")), [{
    days: 1,
    hours: 2,
    minutes: 3,
    seconds: 5,
    total_seconds: 93785,
  }]);
});

Deno.test("uptime: malformed or missing /proc/uptime gives no row", () => {
  assertEquals(parseUptimeSeconds(Deno.readTextFileSync(`${fixture("broken")}/proc/uptime`)), undefined);
  assertEquals(generated(uptime, fixture("broken")), []);
  assertEquals(generated(uptime, fixture("does-not-exist")), []);
});

Deno.test("uptime: the live host has been up for more than zero seconds", () => {
  const [row] = new Engine().query("SELECT * FROM uptime");
  assert(Number(row.total_seconds) > 0);
  const total = Number(row.days) * 86400 + Number(row.hours) * 3600 + Number(row.minutes) * 60 + Number(row.seconds);
  assertEquals(total, Number(row.total_seconds));
});
