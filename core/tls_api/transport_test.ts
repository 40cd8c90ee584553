import https from "node:https";
import type { AddressInfo } from "node:net";
import { assert, assertEquals, assertRejects, assertStringIncludes } from "../../testing/assert.ts";
import { OSQUERY_VERSION } from "../runtime/version.ts";
import { FakeServer, TESTDATA } from "../../testing/fake_tls_server.ts";
import { MAX_RESPONSE_BYTES, RemoteError, TlsTransport } from "./transport.ts";

function transportFor(server: FakeServer, extra: Partial<ConstructorParameters<typeof TlsTransport>[0]> = {}) {
  return new TlsTransport({ hostname: server.hostname, serverCerts: `${TESTDATA}ca.pem`, ...extra });
}

Deno.test("remote transport: POSTs JSON with osquery's User-Agent, JSON headers and the node key header", async () => {
  const server = new FakeServer({ "/config": () => ({ schedule: {} }) });
  const transport = transportFor(server);
  try {
    const answer = await transport.post("/config", { node_key: "k1" }, { nodeKey: "k1" });
    assertEquals(answer, { schedule: {} });
    const [req] = server.to("/config");
    assertEquals(req.headers.get("user-agent"), `osquery/${OSQUERY_VERSION}`);
    assertEquals(req.headers.get("content-type"), "application/json");
    assertEquals(req.headers.get("accept"), "application/json");
    assertEquals(req.headers.get("authorization"), "NodeKey k1");
    assertEquals(req.body, { node_key: "k1" });
  } finally {
    transport.close();
    await server.close();
  }
});

Deno.test("remote transport: an empty answer is an empty object, as osquery accepts", async () => {
  const server = new FakeServer({ "/log": () => ({ status: 200, text: "" }) });
  const transport = transportFor(server);
  try {
    assertEquals(await transport.post("/log", {}), {});
  } finally {
    transport.close();
    await server.close();
  }
});

Deno.test("remote transport: a server certificate from another CA fails with a certificate error naming the URL", async () => {
  const server = new FakeServer({ "/config": () => ({}) });
  const transport = transportFor(server, { serverCerts: `${TESTDATA}other_ca.pem` });
  try {
    const err = await assertRejects(() => transport.post("/config", {}), RemoteError);
    assertEquals((err as RemoteError).kind, "certificate");
    assertEquals((err as RemoteError).endpoint, "/config");
    assertStringIncludes(err.message, `https://${server.hostname}/config`);
    assertStringIncludes(err.message, "--tls_server_certs");
    assertEquals(server.requests.length, 0);
  } finally {
    transport.close();
    await server.close();
  }
});

Deno.test("remote transport: a server that never answers times out instead of hanging", async () => {
  const server = new FakeServer({ "/config": () => "hang" });
  const transport = transportFor(server, { timeoutMs: 300 });
  try {
    const err = await assertRejects(() => transport.post("/config", {}), RemoteError, "did not answer");
    assertEquals((err as RemoteError).kind, "timeout");
  } finally {
    transport.close();
    await server.close();
  }
});

Deno.test("remote transport: HTTP 500 and a non-JSON answer are typed errors", async () => {
  const server = new FakeServer({
    "/a": () => ({ status: 500, text: "boom" }),
    "/b": () => ({ status: 200, text: "<html>" }),
  });
  const transport = transportFor(server);
  try {
    const http = await assertRejects(() => transport.post("/a", {}), RemoteError, "HTTP 500: boom");
    assertEquals([(http as RemoteError).kind, (http as RemoteError).status], ["http", 500]);
    const json = await assertRejects(() => transport.post("/b", {}), RemoteError, "is not JSON");
    assertEquals((json as RemoteError).kind, "json");
  } finally {
    transport.close();
    await server.close();
  }
});

Deno.test("remote transport: without --tls_hostname the error says which flag to set", async () => {
  const transport = new TlsTransport({ hostname: "" });
  const err = await assertRejects(() => transport.post("/enroll", {}), RemoteError, "--tls_hostname");
  assertEquals((err as RemoteError).kind, "config");
  transport.close();
});

Deno.test("remote transport: a refused connection is a connect error", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const transport = new TlsTransport({ hostname: `127.0.0.1:${port}`, serverCerts: `${TESTDATA}ca.pem` });
  const err = await assertRejects(() => transport.post("/enroll", {}), RemoteError, "could not be reached");
  assertEquals((err as RemoteError).kind, "connect");
  transport.close();
});

Deno.test("remote transport: compressed bodies are gzip with Content-Encoding: gzip", async () => {
  const server = new FakeServer({ "/log": () => ({}) });
  const transport = transportFor(server);
  try {
    await transport.post("/log", { data: ["x".repeat(1000)] }, { compress: true });
    const [req] = server.to("/log");
    assert(req.gzip);
    assertEquals(req.body, { data: ["x".repeat(1000)] });
  } finally {
    transport.close();
    await server.close();
  }
});

Deno.test("remote transport: --tls_client_cert/--tls_client_key are presented to a server that asks", async () => {
  const read = (f: string) => Deno.readTextFileSync(TESTDATA + f);
  const seen: { authorized: boolean; cn?: string }[] = [];
  const server = https.createServer({
    cert: read("server.pem"),
    key: read("server.key"),
    ca: read("ca.pem"),
    requestCert: true,
    rejectUnauthorized: false,
  }, (req, res) => {
    const socket = req.socket as unknown as {
      authorized: boolean;
      getPeerCertificate(): { subject?: { CN?: string } };
    };
    seen.push({ authorized: socket.authorized, cn: socket.getPeerCertificate()?.subject?.CN });
    req.resume();
    req.on("end", () => res.end("{}"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const withCert = new TlsTransport({
    hostname: `localhost:${port}`,
    serverCerts: `${TESTDATA}ca.pem`,
    clientCert: `${TESTDATA}client.pem`,
    clientKey: `${TESTDATA}client.key`,
  });
  const without = new TlsTransport({ hostname: `localhost:${port}`, serverCerts: `${TESTDATA}ca.pem` });
  try {
    await withCert.post("/x", {});
    await without.post("/x", {});
    assertEquals(seen[0], { authorized: true, cn: "osq test client" });
    assertEquals(seen[1].authorized, false);
  } finally {
    withCert.close();
    without.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

Deno.test("remote transport: an unreadable --tls_server_certs is a warning and the system roots are used", async () => {
  const warnings: string[] = [];
  const server = new FakeServer({ "/x": () => ({}) });
  const transport = new TlsTransport({
    hostname: server.hostname,
    serverCerts: "/nonexistent/certs.pem",
    onWarning: (m) => warnings.push(m),
  });
  try {
    // The test CA is not a system root: the request fails on the certificate, after the warning.
    await assertRejects(() => transport.post("/x", {}), RemoteError);
    assertStringIncludes(warnings[0], "Cannot read TLS server certificate(s) /nonexistent/certs.pem");
  } finally {
    transport.close();
    await server.close();
  }
});

Deno.test("remote transport: --proxy_hostname tunnels the request through an HTTP CONNECT proxy", async () => {
  const server = new FakeServer({ "/x": () => ({ via: "proxy" }) });
  const proxy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const connects: string[] = [];
  const tunnels: Promise<void>[] = [];
  const serving = (async () => {
    for await (const conn of proxy) {
      tunnels.push((async () => {
        const buf = new Uint8Array(4096);
        let head = "";
        while (!head.includes("\r\n\r\n")) {
          const n = await conn.read(buf);
          if (n === null) return conn.close();
          head += new TextDecoder().decode(buf.subarray(0, n));
        }
        const target = head.split(" ")[1];
        connects.push(target);
        const [host, port] = target.split(":");
        const upstream = await Deno.connect({
          hostname: host === "localhost" ? "127.0.0.1" : host,
          port: Number(port),
        });
        await conn.write(new TextEncoder().encode("HTTP/1.1 200 Connection established\r\n\r\n"));
        await Promise.allSettled([
          conn.readable.pipeTo(upstream.writable),
          upstream.readable.pipeTo(conn.writable),
        ]);
      })());
    }
  })();
  const transport = transportFor(server, { proxy: `127.0.0.1:${(proxy.addr as Deno.NetAddr).port}` });
  try {
    assertEquals(await transport.post("/x", {}), { via: "proxy" });
    assertEquals(connects, [server.hostname]);
  } finally {
    transport.close();
    await server.close();
    proxy.close();
    await serving.catch(() => {});
    await Promise.allSettled(tunnels);
  }
});

/** An HTTPS server whose `/endless` answer never ends; counts the bytes it produced and whether the reader went away. */
function endlessServer() {
  const abort = new AbortController();
  const state = { sent: 0, cancelled: false };
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: Deno.readTextFileSync(`${TESTDATA}server.pem`),
    key: Deno.readTextFileSync(`${TESTDATA}server.key`),
    signal: abort.signal,
    onListen() {},
  }, async (req) => {
    await req.body?.cancel();
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        state.sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
      cancel() {
        state.cancelled = true;
      },
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  });
  return {
    hostname: `localhost:${server.addr.port}`,
    state,
    async close() {
      abort.abort();
      await server.finished;
    },
  };
}

async function pollUntil(condition: () => boolean, what: string, deadlineMs = 60_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("remote transport: an endless answer stops at osquery's 8 MiB cap with an error naming the endpoint and the cap", async () => {
  const server = endlessServer();
  // A generous timeout: without the cap the read would run until it (growing all the while).
  const transport = new TlsTransport({
    hostname: server.hostname,
    serverCerts: `${TESTDATA}ca.pem`,
    timeoutMs: 120_000,
  });
  try {
    const err = await assertRejects(() => transport.post("/config", {}), RemoteError, "exceeds the 8 MiB");
    assertEquals((err as RemoteError).kind, "too_large");
    assertEquals((err as RemoteError).endpoint, "/config");
    assertStringIncludes(err.message, `https://${server.hostname}/config`);
    // The transport dropped the answer: the server's stream is cancelled, not read on.
    await pollUntil(() => server.state.cancelled, "the server's body to be cancelled");
    assert(server.state.sent >= MAX_RESPONSE_BYTES, `sent ${server.state.sent}`);
    assertEquals([transport.maxResponseBytes, MAX_RESPONSE_BYTES], [MAX_RESPONSE_BYTES, 8 * 1024 * 1024]);
  } finally {
    transport.close();
    await server.close();
  }
});

Deno.test("remote transport: a declared Content-Length over the cap fails before the body is read", async () => {
  const read = (f: string) => Deno.readTextFileSync(TESTDATA + f);
  const server = https.createServer({ cert: read("server.pem"), key: read("server.key") }, (req, res) => {
    req.resume();
    // Declares 1 GiB, sends 1 KiB and then stalls: the transport must not wait for the rest.
    res.writeHead(200, { "Content-Length": String(1024 ** 3), "Content-Type": "application/json" });
    res.write(" ".repeat(1024));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const transport = new TlsTransport({
    hostname: `localhost:${port}`,
    serverCerts: `${TESTDATA}ca.pem`,
    maxResponseBytes: 64 * 1024,
    timeoutMs: 120_000,
  });
  try {
    const err = await assertRejects(() => transport.post("/distributed/read", {}), RemoteError, "64 KiB");
    assertEquals((err as RemoteError).kind, "too_large");
    assertStringIncludes(err.message, "declared 1073741824 bytes");
    assertStringIncludes(err.message, "/distributed/read");
  } finally {
    transport.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

Deno.test("remote transport: an answer within the cap is read whole", async () => {
  const big = "x".repeat(60 * 1024);
  const server = new FakeServer({ "/config": () => ({ big }) });
  const transport = transportFor(server, { maxResponseBytes: 64 * 1024 });
  try {
    assertEquals(await transport.post("/config", {}), { big });
  } finally {
    transport.close();
    await server.close();
  }
});
