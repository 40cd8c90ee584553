import { assert, assertEquals, assertMatch } from "../../testing/assert.ts";
import { daemonTest, TestDaemon } from "../../testing/test_daemon.ts";

const fileQuery = (dir: string) => `select path, size from file where directory = '${dir}'`;
type Line = Record<string, unknown>;
const paths = (lines: Line[], action: string) =>
  lines.filter((l) => l.action === action).map((l) => (l.columns as Record<string, string>).path).sort();

daemonTest(
  "daemon: files appearing and vanishing are logged added/removed once, with decorations and snapshots",
  async (d) => {
    const w = `${d.dir}/watched`;
    Deno.writeTextFileSync(`${w}/before`, "x");
    d.writeConfig({
      schedule: {
        files: { query: fileQuery(w), interval: 1 },
        snap: { query: "select 1 as one, 2.5 as half", interval: 1, snapshot: true },
      },
      decorators: {
        load: ["select 'deco-value' as deco"],
        always: ["select 'first' as k union all select 'second' as k"],
      },
    });
    d.start(["--disable_watchdog"]);
    await d.waitFor("the first run", () => paths(d.lines(), "added").length === 1);
    Deno.writeTextFileSync(`${w}/new`, "xy");
    await d.waitFor("the added file", () => paths(d.lines(), "added").length === 2);
    Deno.removeSync(`${w}/before`);
    await d.waitFor("the removed file", () => paths(d.lines(), "removed").length === 1);
    // Unchanged runs log nothing: let the scheduler run several more times (the snapshot query
    // logs every run, so its lines count them) before stopping.
    const snapshotsSoFar = d.lines("snapshots").length;
    await d.waitFor("three more scheduler runs", () => d.lines("snapshots").length >= snapshotsSoFar + 3, 60);
    assertEquals(await d.stop(), 0);
    const lines = d.lines();
    assertEquals(paths(lines, "added"), [`${w}/before`, `${w}/new`]);
    assertEquals(paths(lines, "removed"), [`${w}/before`]);
    assertEquals(lines.map((l) => l.counter), [0, 1, 2]);
    const first = lines[0];
    assertEquals(Object.keys(first), [
      "name",
      "hostIdentifier",
      "calendarTime",
      "unixTime",
      "epoch",
      "counter",
      "numerics",
      "decorations",
      "columns",
      "action",
    ]);
    assertEquals(first.decorations, { deco: "deco-value", k: "first" });
    assertMatch(d.text("osqueryd.WARNING"), /Multiple rows returned for decorator query/);
    assertEquals((first.columns as Record<string, string>).size, "1");
    assertEquals(first.hostIdentifier, Deno.hostname());
    assertMatch(String(first.calendarTime), /^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} UTC$/);
    const snaps = d.lines("snapshots");
    assert(snaps.length >= 2);
    assertEquals(snaps[0].snapshot, [{ half: "2.5", one: "1" }]);
    assertEquals(snaps[0].action, "snapshot");
    assertMatch(d.text("osqueryd.INFO"), /Storing initial results for new scheduled query: files/);
  },
);

daemonTest(
  "daemon: a new --schedule_epoch logs every row as added again with counter 0; batch format and numerics",
  async (d) => {
    const w = `${d.dir}/watched`;
    Deno.writeTextFileSync(`${w}/a`, "abc");
    d.writeConfig({ schedule: { files: { query: fileQuery(w), interval: 1 } } });
    d.start(["--disable_watchdog"]);
    await d.waitFor("the first run", () => d.lines().length === 1);
    assertEquals(await d.stop(), 0);
    d.start(["--disable_watchdog", "--schedule_epoch=7", "--logger_event_type=false", "--logger_numerics"]);
    await d.waitFor("the new epoch", () => d.lines().length === 2);
    Deno.writeTextFileSync(`${w}/b`, "b");
    await d.waitFor("a batch diff", () => d.lines().length === 3);
    assertEquals(await d.stop(), 0);
    const [, epoch, batch] = d.lines();
    assertEquals([epoch.epoch, epoch.counter, epoch.numerics], [7, 0, true]);
    assertEquals((epoch.diffResults as { added: Line[] }).added, [{ path: `${w}/a`, size: 3 }]);
    assertEquals(Object.keys(batch)[0], "diffResults");
    assertEquals(batch.counter, 1);
    assertEquals(batch.diffResults, { removed: [], added: [{ path: `${w}/b`, size: 1 }] });
    assertMatch(d.text("osqueryd.INFO"), /New Epoch 7 for scheduled query files/);
  },
);

daemonTest(
  "daemon: SIGHUP reloads the config; a broken config keeps the last good one; a second daemon is refused",
  async (d) => {
    d.writeConfig({
      schedule: { one: { query: "select x from v_one", interval: 1 } },
      views: { v_one: "select 1 as x" },
    });
    d.start(["--disable_watchdog"]);
    await d.waitFor("the first query (through a config view)", () => d.lines().some((l) => l.name === "one"));
    const second = await new Deno.Command(new URL("../../osq", import.meta.url).pathname, {
      args: [
        "daemon",
        `--config_path=${d.configPath}`,
        `--pidfile=${d.dir}/osqueryd.pid`,
        `--extensions_socket=${d.dir}/second.em`,
        "--disable_watchdog",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(second.code, 1);
    assertMatch(new TextDecoder().decode(second.stderr), /is already running .*--force/);
    d.writeConfig({
      // tick logs a snapshot on every run: the test counts runs with it.
      schedule: {
        two: { query: "select 2 as y", interval: 1 },
        tick: { query: "select 1 as t", interval: 1, snapshot: true },
      },
      decorators: { load: ["select 1 as d"] },
    });
    d.signal("SIGHUP");
    await d.waitFor("the reloaded query", () => d.lines().some((l) => l.name === "two"));
    Deno.writeTextFileSync(d.configPath, "{ not json");
    d.signal("SIGHUP");
    await d.waitFor("the reload error", () => /last good config stays/.test(d.text("osqueryd.ERROR")));
    const before = d.lines().length;
    const ticks = d.lines("snapshots").length;
    // The last good config keeps running: more ticks; "two" runs unchanged, so no new results.
    await d.waitFor("three more runs of the last good config", () => d.lines("snapshots").length >= ticks + 3, 60);
    assertEquals(d.lines().length, before);
    assertEquals(await d.stop(), 0);
    assertEquals(d.lines().find((l) => l.name === "two")?.decorations, { d: "1" });
  },
);

daemonTest(
  "daemon: no config runs the built-in schedule and says where results go; --host_identifier and --ephemeral",
  async (d) => {
    d.start([
      "--disable_watchdog",
      "--ephemeral",
      "--host_identifier=specified",
      "--specified_identifier=box-17",
    ]);
    await d.waitFor("the built-in queries", () => d.lines().some((l) => l.name === "os_version"));
    assertMatch(
      d.stderr,
      /no config at .*osquery\.conf; running the built-in schedule\. Results go to .*\/log\/osqueryd\.results\.log/,
    );
    assertEquals(await d.stop(), 0);
    const lines = d.lines();
    assert(lines.every((l) => l.hostIdentifier === "box-17"));
    assertEquals(lines.find((l) => l.name === "osq_info")?.counter, 0);
    // --ephemeral: no pidfile and no database left behind.
    assert(!exists(`${d.dir}/osqueryd.pid`));
    assert(!exists(`${d.dir}/db/osquery.db`));
  },
);

daemonTest("daemon: osquery_schedule counts executions and --config_refresh picks up a changed config", async (d) => {
  d.writeConfig({
    schedule: {
      counted: { query: "select 1 as one", interval: 1 },
      sched: {
        query: "select name, interval, executions > 0 as ran, denylisted from osquery_schedule where name = 'counted'",
        interval: 2,
      },
      packs: { query: "select name, active, discovery_executions as runs from osquery_packs", interval: 1 },
    },
    packs: {
      never: { discovery: ["select 1 where 0"], queries: { q: { query: "select 1", interval: 1 } } },
      always: { discovery: ["select 1"], queries: { q: { query: "select 1 as one", interval: 1 } } },
    },
  });
  d.start(["--disable_watchdog", "--config_refresh=2", "--host_identifier=uuid"]);
  await d.waitFor(
    "osquery_schedule to show a run",
    () => d.lines().some((l) => l.name === "sched" && (l.columns as Record<string, string>).ran === "1"),
  );
  d.writeConfig({ schedule: { fresh: { query: "select 2 as two", interval: 1 } } });
  await d.waitFor("the refreshed config", () => d.lines().some((l) => l.name === "fresh"));
  assertEquals(await d.stop(), 0);
  const row = d.lines().find((l) => l.name === "sched" && (l.columns as Record<string, string>).ran === "1");
  assertEquals(row?.columns, { denylisted: "0", interval: "1", name: "counted", ran: "1" });
  assertMatch(String(row?.hostIdentifier), /^[0-9A-F-]{36}$/);
  const packs = d.lines().filter((l) => l.name === "packs" && l.counter === 0).map((l) => l.columns);
  assertEquals(packs, [
    { active: "1", name: "main", runs: "0" },
    { active: "0", name: "never", runs: "1" },
    { active: "1", name: "always", runs: "1" },
  ]);
  assert(d.lines().some((l) => l.name === "pack_always_q"));
  assert(!d.lines().some((l) => l.name === "pack_never_q"));
});

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name: "daemon: --daemonize detaches and writes the pidfile; --force replaces a running daemon; --disable_database",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const d = new TestDaemon();
    const osq = new URL("../../osq", import.meta.url).pathname;
    const pidfile = `${d.dir}/osqueryd.pid`;
    const common = [
      "daemon",
      `--config_path=${d.configPath}`,
      `--logger_path=${d.logDir}`,
      `--pidfile=${pidfile}`,
      `--extensions_socket=${d.dir}/osquery.em`,
      "--disable_watchdog",
      "--disable_database",
    ];
    let first = 0;
    try {
      d.writeConfig({ schedule: { one: { query: "select 1 as x", interval: 1 } } });
      const launched = await new Deno.Command(osq, { args: [...common, "--daemonize"], stdout: "null", stderr: "null" })
        .output();
      assertEquals(launched.code, 0);
      await d.waitFor("the detached daemon's pidfile", () => exists(pidfile));
      first = Number(Deno.readTextFileSync(pidfile));
      await d.waitFor("the detached daemon's results", () => d.lines().length > 0);
      d.start(["--disable_database", "--disable_watchdog", "--force"]);
      await d.waitFor("the old daemon to be stopped", () => !exists(`/proc/${first}`), 30);
      await d.waitFor("the new pidfile", () => exists(pidfile) && Number(Deno.readTextFileSync(pidfile)) !== first);
      assertMatch(d.stderr, /stopping the running daemon \(\d+\) because of --force/);
      // No database: state is in memory, so the new daemon starts over with counter 0.
      await d.waitFor("a fresh first run", () => d.lines().filter((l) => l.counter === 0).length >= 2);
      assertEquals(await d.stop(), 0);
      assert(!exists(`${d.dir}/db`));
    } finally {
      if (first && exists(`/proc/${first}`)) Deno.kill(first, "SIGKILL");
      await d.kill();
      d.cleanup();
    }
  },
});

daemonTest(
  "daemon: config options set flags before the loggers start; --schedule_timeout ends the daemon with 0",
  async (d) => {
    d.writeConfig({
      options: { logger_path: `${d.dir}/from-config`, schedule_timeout: 2, logger_numerics: true },
      schedule: { a: { query: "select 1 as one", interval: 1 } },
    });
    d.start(["--disable_watchdog"]);
    const status = await d.child!.status;
    assertEquals(status.code, 0);
    const results = Deno.readTextFileSync(`${d.dir}/from-config/osqueryd.results.log`).trim().split("\n");
    assertEquals(JSON.parse(results[0]).columns, { one: 1 });
    assertMatch(Deno.readTextFileSync(`${d.dir}/from-config/osqueryd.INFO`), /The scheduler ended after 2 seconds/);
  },
);

daemonTest(
  "daemon: --schedule_query_timeout interrupts a runaway query on its thread while others keep running",
  async (d) => {
    d.writeConfig({
      schedule: {
        runaway: {
          query: "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c",
          interval: 1,
        },
        steady: { query: "select strftime('%s', 'now') as t", interval: 1 },
      },
    });
    d.start(["--disable_watchdog", "--schedule_query_timeout=2"]);
    await d.waitFor("the interruption", () => /Error executing scheduled query runaway: interrupted/.test(d.stderr));
    const before = d.lines().filter((l) => l.name === "steady").length;
    await d.waitFor("steady to keep going", () => d.lines().filter((l) => l.name === "steady").length > before + 1);
    assertEquals(await d.stop(), 0);
  },
);

daemonTest(
  "daemon: serves the extension manager and autoloads extensions; their tables join the schedule",
  async (d) => {
    const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
    const launcher = `${d.dir}/example.ext`; // osquery autoloads only *.ext files
    Deno.writeTextFileSync(
      launcher,
      `#!/bin/sh\nexec "${root}/osq" extension "$@" "${root}/testdata/extensions/example.ts"\n`,
      { mode: 0o755 },
    );
    Deno.writeTextFileSync(`${d.dir}/extensions.load`, `${launcher}\n`);
    d.writeConfig({ schedule: { ext: { query: "select n, square from example_numbers where n = 3", interval: 1 } } });
    d.start(["--disable_watchdog", `--extensions_autoload=${d.dir}/extensions.load`, "--extensions_require=example"]);
    await d.waitFor("the extension table's rows", () => d.lines().some((l) => l.name === "ext"), 40);
    assertEquals(d.lines().find((l) => l.name === "ext")?.columns, { n: "3", square: "9" });
    assertMatch(d.text("osqueryd.INFO"), /Registering extension \(example/);
    assertEquals(await d.stop(), 0);
  },
);
