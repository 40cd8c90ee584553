import { assertEquals, assertRejects, assertStringIncludes } from "../../testing/assert.ts";
import { buildConfig, ConfigError } from "../../core/config/config.ts";
import { RemoteClient } from "../../core/tls_api/client.ts";
import { Enroller, MemoryNodeKeyStore } from "../../core/tls_api/enroll.ts";
import { FakeServer, serverFlags, withFlags } from "../../testing/fake_tls_server.ts";
import { TlsTransport } from "../../core/tls_api/transport.ts";
import { readTlsConfigSources, TLS_CONFIG_SOURCE } from "./tls.ts";

const CONFIG = {
  options: { distributed_interval: 30 },
  schedule: { uptime: { query: "SELECT * FROM uptime", interval: 60 } },
};

function clientFor(store = new MemoryNodeKeyStore()) {
  const sleeps: number[] = [];
  const sleep = (ms: number) => {
    sleeps.push(ms);
    return Promise.resolve();
  };
  const transport = new TlsTransport({ timeoutMs: 2000 });
  const enroller = new Enroller({ transport, store, engine: { query: () => [] }, hostIdentifier: () => "h", sleep });
  return { client: new RemoteClient({ transport, enroller, sleep }), transport, sleeps };
}

Deno.test("tls config: the server's JSON is the config source tls_plugin, and it builds", async () => {
  const server = new FakeServer({ "/config": () => ({ ...CONFIG, node_invalid: false }) });
  await withFlags(serverFlags(server), async () => {
    const { client, transport } = clientFor();
    try {
      const sources = await readTlsConfigSources(client);
      assertEquals(sources.map((s) => s.name), [TLS_CONFIG_SOURCE]);
      assertEquals(JSON.parse(sources[0].text), CONFIG);
      const config = buildConfig(sources);
      assertEquals(config.packs.flatMap((p) => p.queries.map((q) => q.name)), ["uptime"]);
      assertEquals(config.options.get("distributed_interval"), "30");
      const [req] = server.to("/config");
      assertEquals(req.body, { node_key: "node-key-1" });
      assertEquals(req.headers.get("authorization"), "NodeKey node-key-1");
    } finally {
      transport.close();
      await server.close();
    }
  });
});

Deno.test("tls config: a 500 then a good answer succeeds on the second attempt", async () => {
  let calls = 0;
  const server = new FakeServer({ "/config": () => (++calls === 1 ? { status: 500, text: "oops" } : CONFIG) });
  await withFlags(serverFlags(server), async () => {
    const { client, transport, sleeps } = clientFor();
    try {
      const sources = await readTlsConfigSources(client);
      assertEquals(JSON.parse(sources[0].text), CONFIG);
      assertEquals(sleeps, [1000]);
    } finally {
      transport.close();
      await server.close();
    }
  });
});

Deno.test("tls config: --config_tls_max_attempts bounds the attempts; failure is a ConfigError", async () => {
  const server = new FakeServer({ "/config": () => ({ status: 502, text: "bad gateway" }) });
  await withFlags({ ...serverFlags(server), config_tls_max_attempts: "2" }, async () => {
    const { client, transport } = clientFor();
    try {
      const err = await assertRejects(() => readTlsConfigSources(client), ConfigError);
      assertStringIncludes(err.message, "HTTP 502");
      assertStringIncludes(err.message, TLS_CONFIG_SOURCE);
      assertEquals(server.to("/config").length, 2);
    } finally {
      transport.close();
      await server.close();
    }
  });
});

Deno.test("tls config: node_invalid enrolls again and fetches with the new key", async () => {
  const server = new FakeServer();
  server.routes.set(
    "/config",
    (r) => (server.validKeys.has(String(r.body.node_key)) ? CONFIG : { node_invalid: true }),
  );
  await withFlags(serverFlags(server), async () => {
    const store = new MemoryNodeKeyStore();
    store.key = "revoked";
    const { client, transport } = clientFor(store);
    try {
      assertEquals(JSON.parse((await readTlsConfigSources(client))[0].text), CONFIG);
      assertEquals(server.to("/config").map((r) => r.body.node_key), ["revoked", "node-key-1"]);
    } finally {
      transport.close();
      await server.close();
    }
  });
});
