/**
 * Queries a config schedules but the daemon cannot run are named with the reason, at load in
 * the status log and by --config_check; the rest of the config still runs.
 */
import { assert, assertEquals } from "../../testing/assert.ts";
import { daemonTest } from "../../testing/test_daemon.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

const SCHEDULE = {
  zero: { query: "select 1 as one", interval: 0 },
  typo: { query: "selec 1", interval: 1 },
  nowhere: { query: "select * from no_such_table", interval: 1 },
  fine: { query: "select 1 as one", interval: 1 },
  // A config view is a table for the check too.
  viewed: { query: "select * from my_view", interval: 1 },
};
const VIEWS = { my_view: "select 1 as one" };

Deno.test("config check: names each query dropped (interval 0) or unable to run (SQL that does not prepare)", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "osq-dropped-" });
  try {
    Deno.writeTextFileSync(`${dir}/osquery.conf`, JSON.stringify({ schedule: SCHEDULE, views: VIEWS }, null, 2));
    const out = await new Deno.Command(`${ROOT}/osq`, {
      args: ["daemon", "--config_check", `--config_path=${dir}/osquery.conf`],
      stdout: "null",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 1, stderr);
    const lines = stderr.trim().split("\n");
    assertEquals(lines.length, 3, stderr);
    assert(/schedule\.zero\.interval: .* not 0\. The scheduled query zero is dropped/.test(lines[0]), lines[0]);
    assert(
      /schedule\.typo\.query: The SQL does not prepare: .*syntax error\. The scheduled query typo cannot run/.test(
        stderr,
      ),
      stderr,
    );
    assert(
      /schedule\.nowhere\.query: Unknown table "no_such_table".* The scheduled query nowhere cannot run/.test(stderr),
      stderr,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

daemonTest(
  "daemon: at load the status log names each query it drops or cannot run, and the rest of the schedule runs",
  async (d) => {
    d.writeConfig({ schedule: SCHEDULE, views: VIEWS });
    d.start(["--disable_watchdog"]);
    await d.waitFor("the runnable query's results", () => d.lines().some((l) => l.name === "fine"), 60);
    const log = d.text("osqueryd.INFO");
    assert(
      /schedule\.zero\.interval: .* The scheduled query zero is dropped; the rest of the config applies\./.test(log),
      log,
    );
    assert(/The SQL does not prepare: .* The scheduled query typo cannot run/.test(log), log);
    assert(/Unknown table "no_such_table".* The scheduled query nowhere cannot run/.test(log), log);
    assert(!d.lines().some((l) => l.name === "zero"), "a dropped query ran");
  },
);
