import { createHash } from "node:crypto";
import { assert, assertEquals } from "../../testing/assert.ts";
import { waitFor } from "../../testing/wait.ts";
import { Engine } from "../../core/engine.ts";
import { type FakeHandler, FakeServer, serverFlags, testClient, withFlags } from "../../testing/fake_tls_server.ts";
import { type DistributedOptions, DistributedRunner, KvRunningQueryStore, startDistributed } from "./tls.ts";

interface Written {
  queries: Record<string, Record<string, string>[]>;
  statuses: Record<string, number>;
  messages: Record<string, string>;
  stats: Record<string, Record<string, number>>;
  node_key: string;
}

async function withDistributed(
  read: FakeHandler,
  fn: (
    make: (o?: Partial<DistributedOptions>) => DistributedRunner,
    server: FakeServer,
    statuses: string[],
    base: DistributedOptions,
  ) => Promise<void>,
  write: FakeHandler = () => ({}),
): Promise<void> {
  const server = new FakeServer({ "/distributed/read": read, "/distributed/write": write });
  await withFlags(serverFlags(server), async () => {
    const { transport, client } = testClient("h");
    const engine = new Engine();
    const statuses: string[] = [];
    const runners: DistributedRunner[] = [];
    const base: DistributedOptions = { client, engine, onStatus: (_s, m) => statuses.push(m) };
    const make = (o: Partial<DistributedOptions> = {}) => {
      const r = new DistributedRunner({ ...base, ...o });
      runners.push(r);
      return r;
    };
    try {
      await fn(make, server, statuses, base);
    } finally {
      for (const r of runners) await r.stop();
      engine.close();
      transport.close();
      await server.close();
    }
  });
}

function written(server: FakeServer): Written[] {
  return server.to("/distributed/write").map((r) => r.body as unknown as Written);
}

Deno.test("tls distributed: queries run and their rows, statuses, messages and stats are written", async () => {
  await withDistributed(
    () => ({ queries: { q1: "SELECT 1 AS a, 'x' AS b, 2.5 AS c, NULL AS d" } }),
    async (make, server) => {
      const result = await make().checkIn();
      assertEquals(result, { ran: ["q1"], written: true });
      const [w] = written(server);
      assertEquals(w.queries, { q1: [{ a: "1", b: "x", c: "2.5", d: "" }] });
      assertEquals(w.statuses, { q1: 0 });
      assertEquals(w.messages, { q1: "" });
      assertEquals(Object.keys(w.stats.q1).sort(), ["memory", "system_time", "user_time", "wall_time_ms"]);
      assert(Object.values(w.stats.q1).every((v) => typeof v === "number" && v >= 0));
      assertEquals(w.node_key, "node-key-1");
      assertEquals(server.to("/distributed/read")[0].body, { node_key: "node-key-1" });
      assertEquals(server.to("/distributed/write")[0].headers.get("authorization"), "NodeKey node-key-1");
    },
  );
});

Deno.test("tls distributed: a query with a discovery query runs only when discovery returns rows", async () => {
  await withDistributed(() => ({
    queries: { yes: "SELECT 1 AS one", no: "SELECT 2 AS two", broken: "SELECT 3 AS three", free: "SELECT 4 AS four" },
    discovery: { yes: "SELECT 1", no: "SELECT 1 WHERE 0", broken: "SELECT * FROM no_such_table" },
  }), async (make, server, statuses) => {
    const result = await make().checkIn();
    assertEquals(result.ran.sort(), ["free", "yes"]);
    assertEquals(Object.keys(written(server)[0].statuses).sort(), ["free", "yes"]);
    assert(statuses.some((m) => m.includes("discovery query for broken has an SQL error")));
  });
});

Deno.test("tls distributed: an SQL error is reported with SQLite's code and message", async () => {
  await withDistributed(
    () => ({ queries: { bad: "SELECT * FROM nope", good: "SELECT 1 AS x" } }),
    async (make, server) => {
      await make().checkIn();
      const [w] = written(server);
      assertEquals(w.statuses, { bad: 1, good: 0 });
      assertEquals(w.messages.bad, "no such table: nope");
      assertEquals(w.queries.bad, []);
      assertEquals(w.queries.good, [{ x: "1" }]);
      assert("bad" in w.stats);
    },
  );
});

Deno.test("tls distributed: no work, no write", async () => {
  await withDistributed(() => ({ queries: {} }), async (make, server) => {
    assertEquals(await make().checkIn(), { ran: [], written: false });
    assertEquals(server.to("/distributed/write").length, 0);
  });
});

Deno.test("tls distributed: results whose write failed are written at the next check-in", async () => {
  let writes = 0;
  let reads = 0;
  await withDistributed(
    () => ({ queries: ++reads === 1 ? { q1: "SELECT 1 AS a" } : { q2: "SELECT 2 AS b" } }),
    async (make, server) => {
      const runner = make({ maxAttempts: 1 });
      assertEquals((await runner.checkIn()).written, false);
      assertEquals((await runner.checkIn()).written, true);
      const last = written(server).at(-1)!;
      assertEquals(last.queries, { q1: [{ a: "1" }], q2: [{ b: "2" }] });
    },
    () => (++writes === 1 ? { status: 500, text: "" } : {}),
  );
});

Deno.test("tls distributed: --distributed_tls_max_attempts bounds the read attempts", async () => {
  await withDistributed(() => ({ status: 503, text: "" }), async (make, server, statuses) => {
    await withFlags({ distributed_tls_max_attempts: "2" }, async () => {
      assertEquals(await make().checkIn(), { ran: [], written: false });
      assertEquals(server.to("/distributed/read").length, 2);
      assert(statuses.some((m) => m.includes("could not be read") && m.includes("HTTP 503")));
    });
  });
});

Deno.test("tls distributed: node_invalid on read enrolls again and reads with the new key", async () => {
  let server!: FakeServer;
  await withDistributed((r) => {
    return server.validKeys.has(String(r.body.node_key)) && String(r.body.node_key) !== "node-key-1"
      ? { queries: { q: "SELECT 1 AS a" } }
      : { node_invalid: true };
  }, async (make, s) => {
    server = s;
    const result = await make().checkIn();
    assertEquals(result.ran, ["q"]);
    assertEquals(s.to("/enroll").length, 2);
    assertEquals(written(s)[0].node_key, "node-key-2");
  });
});

Deno.test("tls distributed: accelerate makes check-ins every 5 s (here shortened) for that many seconds", async () => {
  let reads = 0;
  await withDistributed(
    () => (++reads === 1 ? { queries: {}, accelerate: 60 } : { queries: {} }),
    async (make, server) => {
      const started = Date.now();
      const runner = make({ intervalMs: 3_600_000, acceleratedIntervalMs: 20 }).start();
      // The normal interval is an hour: three reads can only be accelerated check-ins.
      await waitFor("three accelerated check-ins", () => server.to("/distributed/read").length >= 3);
      assert(runner.acceleratedUntil >= started + 60_000);
      await runner.stop();
    },
  );
});

Deno.test("tls distributed: without accelerate the loop waits the interval; stop ends it and leaves no timer", async () => {
  await withDistributed(() => ({ queries: { q: "SELECT 1 AS a" } }), async (_make, server, _statuses, base) => {
    const handle = startDistributed(base);
    await waitFor("the first check-in's write", () => server.to("/distributed/write").length >= 1);
    assertEquals(server.to("/distributed/read").length, 1);
    assertEquals(handle.acceleratedUntil, 0);
    await handle.stop();
  });
});

Deno.test("tls distributed: stop during a request that never answers returns without waiting for its timeout", async () => {
  await withDistributed(() => "hang", async (make, server) => {
    // The request's timeout is 10 minutes: a stop that waited for it would miss the deadline below.
    const { transport, client } = testClient("h", 600_000);
    try {
      const runner = make({ client }).start();
      await waitFor("the read request to reach the server", () => server.to("/distributed/read").length >= 1);
      let stopped = false;
      const stopping = runner.stop().then(() => (stopped = true));
      await waitFor("stop to return while the request still hangs", () => stopped);
      await stopping;
    } finally {
      transport.close();
    }
  });
});

Deno.test("tls distributed: a query that was running when the daemon died is denylisted", async () => {
  const kv = await Deno.openKv(":memory:");
  const running = new KvRunningQueryStore(kv);
  const sql = "SELECT 1 AS crashed";
  await running.set(createHash("sha256").update(sql).digest("hex"), Math.floor(Date.now() / 1000) - 10);
  try {
    await withDistributed(() => ({ queries: { c: sql, ok: "SELECT 2 AS fine" } }), async (make, server) => {
      await make({ running }).checkIn();
      const [w] = written(server);
      assertEquals(w.statuses, { c: 1, ok: 0 });
      assertEquals(w.messages.c, "distributed query is denylisted");
      assertEquals(w.queries.c, []);
      assertEquals((await running.list()).length, 1);
    });
    // After the denylist duration the mark expires and the query runs again.
    await withFlags({ distributed_denylist_duration: "5" }, async () => {
      await withDistributed(() => ({ queries: { c: sql } }), async (make, server) => {
        await make({ running }).checkIn();
        assertEquals(written(server)[0].statuses, { c: 0 });
        assertEquals(await running.list(), []);
      });
    });
  } finally {
    kv.close();
  }
});

Deno.test("tls distributed: threadRunner turns a query thread's canonical rows into text rows", async () => {
  const { threadRunner } = await import("./tls.ts");
  const run = threadRunner((sql) =>
    Promise.resolve(
      sql === "bad"
        ? { ok: false, error: "no such table: x", rows: [], wallMs: 1.4, userMs: 0, systemMs: 0, memory: 0 }
        : { ok: true, rows: ['{"a":1,"b":"x","c":2.5}'], wallMs: 3.6, userMs: 10, systemMs: 0, memory: 0 },
    )
  );
  const good = await run("good");
  assertEquals(good.rows, [{ a: "1", b: "x", c: "2.5" }]);
  assertEquals([good.status, good.message, good.stats.wall_time_ms, good.stats.user_time], [0, "", 4, 10]);
  const bad = await run("bad");
  assertEquals([bad.rows, bad.status, bad.message], [[], 1, "no such table: x"]);
});
