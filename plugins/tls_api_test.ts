import { assert, assertEquals, assertRejects } from "../testing/assert.ts";
import { Engine } from "../core/engine.ts";
import { ConfigError } from "../core/config/config.ts";
import { CarveStatus, CarveStore, runPendingCarves } from "../core/carver/carves.ts";
import { FakeServer, serverFlags, withFlags } from "../testing/fake_tls_server.ts";
import { Severity } from "./logger/logger.ts";
import { createRemote, remotePlugins, withoutTls } from "./tls_api.ts";

const noSleep = () => Promise.resolve();

Deno.test("remote: one enrollment serves config, logger, distributed and carver; every request has UA and node key", async () => {
  let blocks = 0;
  const server = new FakeServer({
    "/config": () => ({ schedule: { up: { query: "SELECT 1", interval: 60 } } }),
    "/log": () => ({}),
    "/distributed/read": () => ({ queries: { q: "SELECT 7 AS seven" } }),
    "/distributed/write": () => ({}),
    "/carve/start": () => ({ session_id: "s1" }),
    "/carve/continue": () => (++blocks, {}),
  });
  const kv = await Deno.openKv(":memory:");
  const engine = new Engine();
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/f.txt`, "carve me");
  await withFlags({
    ...serverFlags(server),
    disable_distributed: "false",
    carver_start_endpoint: "/carve/start",
    carver_continue_endpoint: "/carve/continue",
  }, async () => {
    const remote = createRemote({ engine: () => engine, kv, hostIdentifier: () => "host-r", sleep: noSleep });
    try {
      const [source] = await remote.configSources();
      assertEquals(JSON.parse(source.text).schedule.up.interval, 60);
      const logger = remote.logger();
      assert(logger === remote.logger());
      await logger.logLines("result", ['{"name":"up"}'], 1n);
      logger.logStatus({ severity: Severity.INFO, message: "hello", file: "x.ts", line: 1, time: new Date() });
      await logger.flushStatus();
      const distributed = remote.startDistributed();
      await distributed.checkIn();
      const carves = new CarveStore();
      carves.request([`${dir}/f.txt`], "req-1");
      await runPendingCarves(carves, {
        uploader: remote.carveUploader(),
        blockSize: 8192,
        compression: false,
        expirySeconds: 86400,
        readMax: 1 << 20,
        sleep: noSleep,
      });
      assertEquals(carves.list()[0].status, CarveStatus.SUCCESS);
      assert(blocks >= 1);
      await distributed.stop();
      assertEquals(server.to("/enroll").length, 1);
      for (const req of server.requests.filter((r) => r.path !== "/enroll")) {
        assertEquals(req.headers.get("authorization"), "NodeKey node-key-1", req.path);
        // As osquery: carve blocks carry the node key only in the header.
        assertEquals(req.body.node_key, req.path === "/carve/continue" ? undefined : "node-key-1", req.path);
      }
      for (const req of server.requests) assert(req.headers.get("user-agent")?.startsWith("osquery/"), req.path);
      assertEquals((await kv.get(["remote", "node_key"])).value, "node-key-1");
      assertEquals(await remote.nodeKey(), "node-key-1");
    } finally {
      await remote.close();
      engine.close();
      kv.close();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("remote: host details at enrollment come from the engine's tables", async () => {
  const server = new FakeServer();
  const queries: string[] = [];
  await withFlags(serverFlags(server), async () => {
    const remote = createRemote({
      engine: {
        query: (sql: string) => {
          queries.push(sql);
          return sql.includes("system_info") ? [{ hostname: "box", cpu_brand: "x" }] : [];
        },
      } as unknown as Engine,
      hostIdentifier: () => "host-r",
      sleep: noSleep,
    });
    try {
      assertEquals(await remote.nodeKey(), "node-key-1");
      assertEquals(queries, [
        "SELECT * FROM os_version",
        "SELECT * FROM osquery_info",
        "SELECT * FROM system_info",
        "SELECT * FROM platform_info",
      ]);
      assertEquals(server.to("/enroll")[0].body.host_details, { system_info: { hostname: "box", cpu_brand: "x" } });
    } finally {
      await remote.close();
      await server.close();
    }
  });
});

Deno.test("remote: an unreachable server is a ConfigError for the config plugin, and close ends every wait", async () => {
  const server = new FakeServer({ "/config": () => "hang" });
  const statuses: string[] = [];
  await withFlags({ ...serverFlags(server), config_tls_max_attempts: "1" }, async () => {
    const engine = new Engine();
    const remote = createRemote({
      engine,
      hostIdentifier: () => "h",
      onStatus: (_s, m) => statuses.push(m),
      // Long enough for the enrollment before it on a loaded machine; /config never answers.
      transport: { timeoutMs: 2000 },
      sleep: noSleep,
    });
    try {
      await assertRejects(() => remote.configSources(), ConfigError, "did not answer");
    } finally {
      await remote.close();
      engine.close();
      await server.close();
    }
  });
});

Deno.test("remote: distributed stays off unless --disable_distributed=false", async () => {
  const server = new FakeServer({ "/distributed/read": () => ({}) });
  await withFlags(serverFlags(server), async () => {
    const engine = new Engine();
    const remote = createRemote({ engine, hostIdentifier: () => "h", sleep: noSleep });
    try {
      const handle = remote.startDistributed();
      assertEquals(await handle.checkIn(), { ran: [], written: false });
      assertEquals(server.requests.length, 0);
    } finally {
      await remote.close();
      engine.close();
      await server.close();
    }
  });
});

Deno.test("remote: runQuery sends live queries to the query threads", async () => {
  const server = new FakeServer({
    "/distributed/read": () => ({ queries: { q: "SELECT 1" } }),
    "/distributed/write": () => ({}),
  });
  const asked: string[] = [];
  await withFlags({ ...serverFlags(server), disable_distributed: "false" }, async () => {
    const remote = createRemote({
      engine: () => {
        throw new Error("the engine is not used for live queries here");
      },
      hostIdentifier: () => "h",
      runQuery: (sql) => {
        asked.push(sql);
        return Promise.resolve({ ok: true, rows: ['{"x":1}'], wallMs: 1, userMs: 0, systemMs: 0, memory: 0 });
      },
      sleep: noSleep,
    });
    try {
      await remote.startDistributed().checkIn();
      assertEquals(asked, ["SELECT 1"]);
      assertEquals(server.to("/distributed/write")[0].body.queries, { q: [{ x: "1" }] });
    } finally {
      await remote.close();
      await server.close();
    }
  });
});

Deno.test("remote: remotePlugins reads the plugin flags; withoutTls leaves the other loggers", async () => {
  assertEquals(withoutTls("filesystem, tls,stdout"), "filesystem,stdout");
  await withFlags({ config_plugin: "tls", logger_plugin: "filesystem,tls", disable_distributed: "true" }, () => {
    assertEquals(remotePlugins(), { config: true, logger: true, distributed: false, any: true });
    return Promise.resolve();
  });
  await withFlags({ config_plugin: "filesystem", logger_plugin: "filesystem", disable_carver: "true" }, () => {
    assertEquals(remotePlugins().any, false);
    return Promise.resolve();
  });
});

Deno.test("remote: without an engine yet, enrollment uses one of its own (closed by close())", async () => {
  const server = new FakeServer();
  await withFlags(serverFlags(server), async () => {
    const remote = createRemote({ engine: () => undefined, hostIdentifier: () => "h", sleep: noSleep });
    try {
      assertEquals(await remote.nodeKey(), "node-key-1");
      assertEquals(server.to("/enroll")[0].body.host_identifier, "h");
    } finally {
      await remote.close();
      await server.close();
    }
  });
});
