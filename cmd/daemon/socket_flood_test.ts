/**
 * The daemon's extension socket under a flood of silent connections with few descriptors: it
 * keeps answering ping during and after, and the daemon does not run out of descriptors.
 */
import { assert } from "../../testing/assert.ts";
import { answersPing, endFlood, spawnWithFdLimit } from "../../core/thrift/flood_test_helpers.ts";
import { waitFor } from "../../testing/wait.ts";
import { TestDaemon } from "../../testing/test_daemon.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test({
  name:
    "daemon: 1,000 silent connections on the extension socket with RLIMIT_NOFILE 200: ping answered during and after",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const d = new TestDaemon();
    d.writeConfig({ schedule: { one: { query: "select 1 as one", interval: 1 } } });
    const socket = `${d.dir}/osquery.em`;
    const child = spawnWithFdLimit(200, `${ROOT}/osq`, [
      "daemon",
      `--config_path=${d.configPath}`,
      `--logger_path=${d.logDir}`,
      `--database_path=${d.dir}/db/osquery.db`,
      `--pidfile=${d.dir}/osqueryd.pid`,
      `--extensions_socket=${socket}`,
      "--disable_watchdog",
    ], { stdin: "null", stdout: "null", stderr: "null" });
    const flood: Deno.UnixConn[] = [];
    try {
      await waitFor("the extension socket", () => answersPing(socket), { seconds: 90, intervalMs: 100 });
      for (let i = 0; i < 1000; i++) {
        try {
          flood.push(await Deno.connect({ transport: "unix", path: socket }));
        } catch {
          break; // the backlog is full: enough
        }
      }
      assert(flood.length >= 200, `only ${flood.length} connections got in`);
      await waitFor("ping during the flood", () => answersPing(socket), { seconds: 90, intervalMs: 100 });
      for (const c of flood.splice(0)) c.close();
      await waitFor("ping after the flood", () => answersPing(socket), { seconds: 90, intervalMs: 100 });
      await waitFor("the schedule's results", () => d.lines().some((l) => l.name === "one"), {
        seconds: 90,
        intervalMs: 100,
      });
    } finally {
      await endFlood(flood, child);
      d.cleanup();
    }
  },
});
