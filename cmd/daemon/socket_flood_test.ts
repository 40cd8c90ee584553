/**
 * The daemon's extension socket under a flood of silent connections with few descriptors: it
 * keeps answering ping during and after, and the daemon does not run out of descriptors.
 */
import { assert } from "../../testing/assert.ts";
import { ThriftClient } from "../../core/thrift/client.ts";
import { TestDaemon } from "../../testing/test_daemon.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

async function ping(path: string): Promise<boolean> {
  try {
    const client = await ThriftClient.connect(path, { timeoutMs: 30_000 });
    try {
      return (await client.invoke("ping", {})).message === "pong";
    } finally {
      client.close();
    }
  } catch {
    return false;
  }
}

async function until(what: string, check: () => Promise<boolean>, seconds = 90): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

Deno.test({
  name:
    "daemon: 1,000 silent connections on the extension socket with RLIMIT_NOFILE 200: ping answered during and after",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const d = new TestDaemon();
    d.writeConfig({ schedule: { one: { query: "select 1 as one", interval: 1 } } });
    const socket = `${d.dir}/osquery.em`;
    const child = new Deno.Command("bash", {
      args: [
        "-c",
        'ulimit -n 200 && exec "$@"',
        "osq",
        `${ROOT}/osq`,
        "daemon",
        `--config_path=${d.configPath}`,
        `--logger_path=${d.logDir}`,
        `--database_path=${d.dir}/db/osquery.db`,
        `--pidfile=${d.dir}/osqueryd.pid`,
        `--extensions_socket=${socket}`,
        "--disable_watchdog",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const flood: Deno.UnixConn[] = [];
    try {
      await until("the extension socket", () => ping(socket));
      for (let i = 0; i < 1000; i++) {
        try {
          flood.push(await Deno.connect({ transport: "unix", path: socket }));
        } catch {
          break; // the backlog is full: enough
        }
      }
      assert(flood.length >= 200, `only ${flood.length} connections got in`);
      await until("ping during the flood", () => ping(socket));
      for (const c of flood.splice(0)) c.close();
      await until("ping after the flood", () => ping(socket));
      await until("the schedule's results", () => Promise.resolve(d.lines().some((l) => l.name === "one")));
    } finally {
      for (const c of flood) c.close();
      try {
        child.kill("SIGKILL");
      } catch {
        // it ended: the assertions above say why
      }
      await child.status;
      d.cleanup();
    }
  },
});
