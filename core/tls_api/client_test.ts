import { assert, assertEquals, assertRejects, assertStringIncludes } from "../../testing/assert.ts";
import { RemoteClient } from "./client.ts";
import { Enroller, KvNodeKeyStore, MemoryNodeKeyStore, type NodeKeyStore, type SqlRunner } from "./enroll.ts";
import { FakeServer, serverFlags, TESTDATA, withFlags } from "../../testing/fake_tls_server.ts";
import { RemoteError, TlsTransport } from "./transport.ts";

/** Detail tables as a host would answer them (system_info is left out: hosts may lack it). */
const fakeEngine: SqlRunner = {
  query(sql: string) {
    if (sql.includes("os_version")) return [{ name: "Debian GNU/Linux", major: 12, codename: null }];
    if (sql.includes("osquery_info")) return [{ version: "5.23.1", platform_mask: 9 }];
    if (sql.includes("platform_info")) return [];
    throw new Error("no such table");
  },
};

function setup(store: NodeKeyStore = new MemoryNodeKeyStore()) {
  const sleeps: number[] = [];
  const sleep = (ms: number) => {
    sleeps.push(ms);
    return Promise.resolve();
  };
  const transport = new TlsTransport({ timeoutMs: 2000 });
  const enroller = new Enroller({ transport, store, engine: fakeEngine, hostIdentifier: () => "host-a", sleep });
  const client = new RemoteClient({ transport, enroller, sleep });
  return { client, enroller, transport, sleeps, store };
}

/** A config route that accepts only the keys the fake server handed out. */
function checkedConfig(server: FakeServer) {
  return (req: { body: Record<string, unknown> }) =>
    server.validKeys.has(String(req.body.node_key)) ? { schedule: {} } : { node_invalid: true };
}

Deno.test("remote enroll: the secret from --enroll_secret_path, host identifier, platform and host details", async () => {
  const server = new FakeServer({ "/config": () => ({}) });
  const secretFile = await Deno.makeTempFile();
  await Deno.writeTextFile(secretFile, "  s3cret\n");
  await withFlags({ ...serverFlags(server), enroll_secret_path: secretFile }, async () => {
    const { client, transport, store } = setup();
    try {
      await client.request("/config", {});
      const [enroll] = server.to("/enroll");
      assertEquals(enroll.body, {
        enroll_secret: "s3cret",
        host_identifier: "host-a",
        platform_type: "9",
        host_details: {
          os_version: { name: "Debian GNU/Linux", major: "12", codename: "" },
          osquery_info: { version: "5.23.1", platform_mask: "9" },
        },
      });
      assertEquals(await store.get(), "node-key-1");
      const [config] = server.to("/config");
      assertEquals(config.body.node_key, "node-key-1");
      assertEquals(config.headers.get("authorization"), "NodeKey node-key-1");
      assertStringIncludes(config.headers.get("user-agent") ?? "", "osquery/");
      assertStringIncludes(enroll.headers.get("user-agent") ?? "", "osquery/");
    } finally {
      transport.close();
      await server.close();
      await Deno.remove(secretFile);
    }
  });
});

Deno.test("remote enroll: the secret from --enroll_secret_env, under --tls_enroll_override's name", async () => {
  const server = new FakeServer();
  Deno.env.set("OSQ_TEST_ENROLL_SECRET", "from-env");
  await withFlags({
    ...serverFlags(server),
    enroll_secret_env: "OSQ_TEST_ENROLL_SECRET",
    tls_enroll_override: "secret",
  }, async () => {
    const { enroller, transport } = setup();
    try {
      assertEquals(await enroller.nodeKey(), "node-key-1");
      assertEquals(server.to("/enroll")[0].body.secret, "from-env");
    } finally {
      transport.close();
      await server.close();
      Deno.env.delete("OSQ_TEST_ENROLL_SECRET");
    }
  });
});

Deno.test("remote enroll: the node key is kept in Deno KV and reused by the next process", async () => {
  const server = new FakeServer({});
  server.routes.set("/config", checkedConfig(server));
  const kv = await Deno.openKv(":memory:");
  await withFlags(serverFlags(server), async () => {
    const first = setup(new KvNodeKeyStore(kv));
    const second = setup(new KvNodeKeyStore(kv));
    try {
      await first.client.request("/config", {});
      await second.client.request("/config", {});
      assertEquals(server.to("/enroll").length, 1);
      assertEquals(server.to("/config").map((r) => r.body.node_key), ["node-key-1", "node-key-1"]);
      assertEquals((await kv.get(["remote", "node_key"])).value, "node-key-1");
    } finally {
      first.transport.close();
      second.transport.close();
      kv.close();
      await server.close();
    }
  });
});

Deno.test("remote enroll: node_invalid clears the key, enrolls again once and retries", async () => {
  const server = new FakeServer();
  server.routes.set("/config", checkedConfig(server));
  await withFlags(serverFlags(server), async () => {
    const store = new MemoryNodeKeyStore();
    store.key = "stale-key";
    const { client, transport, sleeps } = setup(store);
    try {
      assertEquals(await client.request("/config", {}), { schedule: {} });
      assertEquals(server.to("/config").map((r) => r.body.node_key), ["stale-key", "node-key-1"]);
      assertEquals(store.key, "node-key-1");
      assertEquals(sleeps, []);
    } finally {
      transport.close();
      await server.close();
    }
  });
});

Deno.test("remote enroll: a server that keeps saying node_invalid fails with a node_invalid error", async () => {
  const server = new FakeServer({ "/config": () => ({ node_invalid: true, error: "unknown host" }) });
  await withFlags(serverFlags(server), async () => {
    const { client, transport } = setup();
    try {
      const err = await assertRejects(
        () => client.request("/config", {}),
        RemoteError,
        "Invalid node key: unknown host",
      );
      assertEquals((err as RemoteError).kind, "node_invalid");
      assertEquals(server.to("/enroll").length, 2);
    } finally {
      transport.close();
      await server.close();
    }
  });
});

Deno.test("remote enroll: --enroll_always enrolls at start even with a stored key", async () => {
  const server = new FakeServer();
  await withFlags({ ...serverFlags(server), enroll_always: "true" }, async () => {
    const store = new MemoryNodeKeyStore();
    store.key = "old";
    const { enroller, transport } = setup(store);
    try {
      assertEquals(await enroller.nodeKey(), "node-key-1");
      assertEquals(await enroller.nodeKey(), "node-key-1");
      assertEquals(server.to("/enroll").length, 1);
    } finally {
      transport.close();
      await server.close();
    }
  });
});

Deno.test("remote enroll: --disable_enrollment sends requests without enrolling", async () => {
  const server = new FakeServer({ "/config": () => ({}) });
  await withFlags({ ...serverFlags(server), disable_enrollment: "true" }, async () => {
    const { client, transport } = setup();
    try {
      await client.request("/config", {});
      assertEquals(server.to("/enroll").length, 0);
      assertEquals(server.to("/config")[0].body.node_key, "");
      assertEquals(server.to("/config")[0].headers.get("authorization"), null);
    } finally {
      transport.close();
      await server.close();
    }
  });
});

Deno.test("remote enroll: concurrent requests share one enrollment", async () => {
  const server = new FakeServer({ "/a": () => ({}) });
  await withFlags(serverFlags(server), async () => {
    const { client, transport } = setup();
    try {
      await Promise.all([client.request("/a", {}), client.request("/a", {}), client.request("/a", {})]);
      assertEquals(server.to("/enroll").length, 1);
    } finally {
      transport.close();
      await server.close();
    }
  });
});

Deno.test("remote enroll: failed enrollments are retried --tls_enroll_max_attempts times with growing waits", async () => {
  const server = new FakeServer({ "/enroll": () => ({ status: 503, text: "busy" }) });
  await withFlags({ ...serverFlags(server), tls_enroll_max_attempts: "4", tls_enroll_max_interval: "5" }, async () => {
    const { client, transport, sleeps } = setup();
    try {
      const err = await assertRejects(() => client.request("/config", {}), RemoteError, "HTTP 503");
      assertEquals(server.to("/enroll").length, 4);
      assertEquals(sleeps, [1000, 4000, 5000]);
      assertEquals(server.to("/config").length, 0);
      assertEquals((err as RemoteError).endpoint, "/enroll");
    } finally {
      transport.close();
      await server.close();
    }
  });
});

Deno.test("remote enroll: an answer without a node key is an enroll error that names the secret flags", async () => {
  const server = new FakeServer({ "/enroll": () => ({ node_invalid: true }) });
  await withFlags({ ...serverFlags(server), tls_enroll_max_attempts: "1" }, async () => {
    const { enroller, transport } = setup();
    try {
      const err = await assertRejects(() => enroller.nodeKey(), RemoteError, "--enroll_secret_path");
      assertEquals((err as RemoteError).kind, "enroll");
    } finally {
      transport.close();
      await server.close();
    }
  });
});

Deno.test("remote client: attempts with osquery's back-off (1 s, 4 s), then success", async () => {
  let calls = 0;
  const server = new FakeServer({ "/config": () => (++calls < 3 ? { status: 500, text: "" } : { ok: 1 }) });
  await withFlags(serverFlags(server), async () => {
    const { client, transport, sleeps } = setup();
    try {
      assertEquals(await client.request("/config", {}, { attempts: 3 }), { ok: 1 });
      assertEquals(sleeps, [1000, 4000]);
    } finally {
      transport.close();
      await server.close();
    }
  });
});

Deno.test("remote client: an error member fails the request after its attempts", async () => {
  const server = new FakeServer({ "/config": () => ({ error: "database down" }) });
  await withFlags(serverFlags(server), async () => {
    const { client, transport } = setup();
    try {
      const err = await assertRejects(
        () => client.request("/config", {}, { attempts: 2 }),
        RemoteError,
        "database down",
      );
      assertEquals((err as RemoteError).kind, "server");
      assertEquals(server.to("/config").length, 2);
    } finally {
      transport.close();
      await server.close();
    }
  });
});

Deno.test("remote client: --tls_secret_always adds the secret to every URL", async () => {
  const server = new FakeServer({ "/config": () => ({}) });
  Deno.env.set("OSQ_TEST_SECRET2", "a b");
  await withFlags(
    { ...serverFlags(server), enroll_secret_env: "OSQ_TEST_SECRET2", tls_secret_always: "true" },
    async () => {
      const { client, transport } = setup();
      try {
        await client.request("/config", {});
        assertEquals(server.to("/enroll")[0].query, "enroll_secret=a%20b");
        assertEquals(server.to("/config")[0].query, "enroll_secret=a%20b");
      } finally {
        transport.close();
        await server.close();
        Deno.env.delete("OSQ_TEST_SECRET2");
      }
    },
  );
});

Deno.test("remote client: a wrong CA is reported with the endpoint, not retried into a hang", async () => {
  const server = new FakeServer();
  await withFlags(
    { ...serverFlags(server), tls_server_certs: `${TESTDATA}other_ca.pem`, tls_enroll_max_attempts: "2" },
    async () => {
      const { client, transport, sleeps } = setup();
      try {
        const err = await assertRejects(() => client.request("/config", {}), RemoteError);
        assertEquals((err as RemoteError).kind, "certificate");
        assert(err.message.includes("/enroll"));
        assertEquals(sleeps, [1000]);
      } finally {
        transport.close();
        await server.close();
      }
    },
  );
});
