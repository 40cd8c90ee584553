import { assert, assertEquals, assertRejects, assertStringIncludes } from "../../testing/assert.ts";
import { waitFor } from "../../testing/wait.ts";
import { openStore } from "../../core/kv/store.ts";
import { FakeServer, serverFlags, testClient, withFlags } from "../../testing/fake_tls_server.ts";
import { RemoteError } from "../../core/tls_api/transport.ts";
import { OSQUERY_VERSION } from "../../core/runtime/version.ts";
import { Severity, type StatusRecord } from "./logger.ts";
import { drainOutbox } from "./outbox.ts";
import { TlsLogger, type TlsLoggerOptions } from "./tls.ts";

/** tls.ts's lines, to check the locations its own status lines name. */
const BUFFER_SOURCE = Deno.readTextFileSync(new URL("./status_buffer.ts", import.meta.url)).split("\n");
const TLS_SOURCE = Deno.readTextFileSync(new URL("./tls.ts", import.meta.url)).split("\n");

function line(i: number): string {
  return JSON.stringify({ name: "q", hostIdentifier: "h", unixTime: 1700000000 + i, columns: { i: String(i) } });
}

function status(message: string, severity: number = Severity.INFO): StatusRecord {
  return { severity, message, file: "worker.ts", line: 42, time: new Date(1462228052_000) };
}

/** Runs `fn` with a logger talking to a fresh fake server (and closes both). */
async function withLogger(
  routes: ConstructorParameters<typeof FakeServer>[0],
  options: Partial<TlsLoggerOptions>,
  fn: (logger: TlsLogger, server: FakeServer) => Promise<void>,
): Promise<void> {
  const server = new FakeServer(routes);
  await withFlags(serverFlags(server), async () => {
    const { transport, client } = testClient("host-a");
    const logger = new TlsLogger({ client, hostIdentifier: () => "host-a", periodMs: 3_600_000, ...options });
    try {
      await fn(logger, server);
    } finally {
      logger.close();
      transport.close();
      await server.close();
    }
  });
}

Deno.test("tls logger: result lines go as log_type result in batches of --logger_tls_max_lines", async () => {
  await withLogger({ "/log": () => ({ node_invalid: false }) }, { maxLines: 2 }, async (logger, server) => {
    await logger.logLines("result", [0, 1, 2, 3, 4].map(line), 1n);
    const sent = server.to("/log");
    assertEquals(sent.map((r) => (r.body.data as unknown[]).length), [2, 2, 1]);
    assertEquals(sent[0].body.log_type, "result");
    assertEquals(sent[0].body.node_key, "node-key-1");
    assertEquals(sent[0].headers.get("authorization"), "NodeKey node-key-1");
    assertEquals((sent[2].body.data as unknown[])[0], JSON.parse(line(4)));
    assert(!sent[0].gzip);
  });
});

Deno.test("tls logger: snapshot lines are sent as results", async () => {
  await withLogger({ "/log": () => ({}) }, {}, async (logger, server) => {
    await logger.logLines("snapshot", [line(1)], 1n);
    assertEquals(server.to("/log")[0].body.log_type, "result");
  });
});

Deno.test("tls logger: --logger_tls_compress gzips the body with Content-Encoding: gzip", async () => {
  await withLogger({ "/log": () => ({}) }, { compress: true }, async (logger, server) => {
    await logger.logLines("result", [line(1), line(2)], 1n);
    const [req] = server.to("/log");
    assert(req.gzip);
    assertEquals(req.headers.get("content-encoding"), "gzip");
    assertEquals(req.body.data, [JSON.parse(line(1)), JSON.parse(line(2))]);
  });
});

Deno.test("tls logger: a failed request throws, and the retry sends only what the server did not get", async () => {
  let calls = 0;
  await withLogger(
    { "/log": () => (++calls === 2 ? { status: 503, text: "down" } : {}) },
    { maxLines: 2 },
    async (logger, server) => {
      const lines = [0, 1, 2, 3].map(line);
      await assertRejects(() => logger.logLines("result", lines, 7n), RemoteError, "HTTP 503");
      await logger.logLines("result", lines, 7n);
      const data = server.to("/log").map((r) =>
        (r.body.data as { unixTime: number }[]).map((d) => d.unixTime - 1700000000)
      );
      assertEquals(data, [[0, 1], [2, 3], [2, 3]]);
    },
  );
});

Deno.test("tls logger: lines over --logger_tls_max_linesize are dropped with a status warning", async () => {
  await withLogger({ "/log": () => ({}) }, { maxLineSize: 100 }, async (logger, server) => {
    const big = JSON.stringify({ name: "q", blob: "x".repeat(200) });
    await logger.logLines("result", [line(1), big, line(2)], 1n);
    assertEquals((server.to("/log")[0].body.data as unknown[]).length, 2);
    assertEquals(logger.pendingStatus, 1);
    await logger.flushStatus();
    const statusReq = server.to("/log")[1];
    assertEquals(statusReq.body.log_type, "status");
    const [record] = statusReq.body.data as { message: string; severity: number }[];
    assertStringIncludes(
      record.message,
      `Linesize exceeds TLS logger maximum: ${new TextEncoder().encode(big).length}`,
    );
    assertEquals(record.severity, Severity.WARNING);
    // glog style: the line of tls.ts that logged it, not `:0`.
    const where = record as unknown as { filename: string; line: number };
    assertEquals(where.filename, "tls.ts");
    assertStringIncludes(TLS_SOURCE[where.line - 1] ?? "", "Linesize exceeds TLS logger maximum");
  });
});

Deno.test("tls logger: status records keep osquery's fields and wait in memory while the server is down", async () => {
  let up = false;
  await withLogger(
    { "/log": () => (up ? {} : { status: 500, text: "" }) },
    { decorations: () => ({ site: "lab" }) },
    async (logger, server) => {
      logger.logStatus(status("first"));
      logger.logStatus(status("second", Severity.ERROR));
      await assertRejects(() => logger.flushStatus(), RemoteError);
      assertEquals(logger.pendingStatus, 2);
      up = true;
      await logger.flushStatus();
      assertEquals(logger.pendingStatus, 0);
      const sent = server.to("/log").at(-1)!;
      assertEquals(sent.body.log_type, "status");
      assertEquals(sent.body.data, [
        {
          hostIdentifier: "host-a",
          calendarTime: "Mon May  2 22:27:32 2016 UTC",
          unixTime: 1462228052,
          severity: 0,
          filename: "worker.ts",
          line: 42,
          message: "first",
          version: OSQUERY_VERSION,
          decorations: { site: "lab" },
        },
        {
          hostIdentifier: "host-a",
          calendarTime: "Mon May  2 22:27:32 2016 UTC",
          unixTime: 1462228052,
          severity: 2,
          filename: "worker.ts",
          line: 42,
          message: "second",
          version: OSQUERY_VERSION,
          decorations: { site: "lab" },
        },
      ]);
    },
  );
});

Deno.test("tls logger: --buffered_log_max keeps the newest status records and says how many went", async () => {
  await withLogger({ "/log": () => ({}) }, { bufferMax: 3, maxLines: 10 }, async (logger, server) => {
    for (let i = 0; i < 5; i++) logger.logStatus(status(`m${i}`));
    assertEquals(logger.pendingStatus, 3);
    await logger.flushStatus();
    const messages = (server.to("/log")[0].body.data as { message: string }[]).map((d) => d.message);
    assertEquals(messages.slice(1), ["m2", "m3", "m4"]);
    assertStringIncludes(messages[0], "Purging buffered logs limit (3) exceeded: 2");
    const purge = (server.to("/log")[0].body.data as { filename: string; line: number }[])[0];
    assertEquals(purge.filename, "status_buffer.ts");
    assertStringIncludes(BUFFER_SOURCE.slice(purge.line - 5, purge.line).join("\n"), "Purging buffered logs limit");
  });
});

Deno.test("tls logger: status records are flushed every period, in batches of max lines", async () => {
  await withLogger({ "/log": () => ({}) }, { periodMs: 30, maxLines: 2 }, async (logger, server) => {
    for (let i = 0; i < 3; i++) logger.logStatus(status(`m${i}`));
    await waitFor("the periodic flush of the status records", () => logger.pendingStatus === 0);
    assertEquals(server.to("/log").map((r) => (r.body.data as unknown[]).length), [2, 1]);
    logger.close();
    // Let a tick that was already running finish before the sanitizers look.
    await logger.flushStatus();
  });
});

Deno.test("tls logger: --tls_disable_status_log keeps status records off the server", async () => {
  await withFlags({ tls_disable_status_log: "true" }, async () => {
    await withLogger({ "/log": () => ({}) }, {}, async (logger, server) => {
      logger.logStatus(status("quiet"));
      assertEquals(logger.pendingStatus, 0);
      await logger.flushStatus();
      assertEquals(server.to("/log").length, 0);
    });
  });
});

Deno.test("tls logger: with the outbox, a server outage keeps the entry and the next drain ships it", async () => {
  let up = false;
  await withLogger({ "/log": () => (up ? {} : { status: 502, text: "" }) }, {}, async (logger, server) => {
    const store = await openStore(":memory:");
    try {
      await store.commitRun({
        name: "q",
        previous: await store.getQuery("q"),
        state: { epoch: 0, counter: 0, sql: "SELECT 1" },
        lines: [line(1), line(2)],
        category: "result",
      });
      await assertRejects(() => drainOutbox(store, [logger]), RemoteError);
      let pending = 0;
      for await (const _ of store.outbox()) pending++;
      assertEquals(pending, 1);
      up = true;
      assertEquals(await drainOutbox(store, [logger]), 1);
      for await (const _ of store.outbox()) pending++;
      assertEquals(pending, 1);
      assertEquals((server.to("/log").at(-1)!.body.data as unknown[]).length, 2);
    } finally {
      store.close();
    }
  });
});
