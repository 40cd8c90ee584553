import { daemonTest } from "../../testing/test_daemon.ts";
import { assert, assertEquals } from "../../testing/assert.ts";

daemonTest("osquery_info: watcher is the watchdog's pid in a watched daemon", async (d) => {
  d.writeConfig({ schedule: { info: { query: "select pid, watcher from osquery_info", interval: 1 } } });
  d.start(["--watchdog_delay=600"]);
  await d.waitFor("the osquery_info result", () => d.lines().some((l) => l.name === "info"), 60);
  const pidfile = Deno.readTextFileSync(`${d.dir}/osqueryd.pid`).trim();
  const row = (d.lines().find((l) => l.name === "info")!.columns) as Record<string, string>;
  assertEquals(row.watcher, pidfile);
  assert(row.pid !== pidfile, "the worker is its own process");
});

daemonTest("osquery_info: watcher is -1 without a watchdog", async (d) => {
  d.writeConfig({ schedule: { info: { query: "select watcher from osquery_info", interval: 1 } } });
  d.start(["--disable_watchdog"]);
  await d.waitFor("the osquery_info result", () => d.lines().some((l) => l.name === "info"), 60);
  assertEquals((d.lines().find((l) => l.name === "info")!.columns as Record<string, string>).watcher, "-1");
});
