import { assert, assertEquals, assertRejects, assertThrows } from "../../testing/assert.ts";
import { ApplicationErrorType, decodeResult, encodeCall, openMessage, ThriftApplicationError } from "./bindings.ts";
import { SyncThriftClient, ThriftClient, ThriftTransportError } from "./client.ts";
import { DEFAULT_LIMITS, MessageType, Writer } from "./protocol.ts";
import { SocketInUseError, SocketPathError, ThriftServer } from "./server.ts";
import { MessageBuffer } from "./transport.ts";

async function withServer(
  fn: (path: string, server: ThriftServer, logs: string[]) => Promise<void>,
  limits = DEFAULT_LIMITS,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/test.em`;
  const logs: string[] = [];
  const server = ThriftServer.listen(path, {
    ping: () => ({ code: 0, message: "pong", uuid: 0n }),
    query: ({ sql }) => {
      if (sql === "boom") throw new Error("handler exploded");
      return { status: { code: 0, message: "OK", uuid: 0n }, response: [{ sql }] };
    },
  }, { limits, log: (m) => logs.push(m) });
  try {
    await fn(path, server, logs);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Reads one complete reply from a raw connection. */
async function readReply(conn: Deno.Conn): Promise<Uint8Array | null> {
  const buffer = new MessageBuffer();
  const chunk = new Uint8Array(4096);
  for (;;) {
    const m = buffer.next();
    if (m) return m;
    const n = await conn.read(chunk);
    if (n === null) return null;
    buffer.append(chunk.subarray(0, n));
  }
}

async function pingWorks(path: string): Promise<boolean> {
  const client = await ThriftClient.connect(path, { timeoutMs: 2000 });
  try {
    return (await client.invoke("ping", {})).message === "pong";
  } finally {
    client.close();
  }
}

Deno.test("server: the socket is owner-only and a second server on it is refused", async () => {
  await withServer(async (path) => {
    assertEquals(Deno.statSync(path).mode! & 0o777, 0o600);
    assertThrows(() => ThriftServer.listen(path, {}), SocketInUseError);
    assert(await pingWorks(path));
  });
});

Deno.test("server: a call sent one byte at a time is answered", async () => {
  await withServer(async (path) => {
    const conn = await Deno.connect({ transport: "unix", path });
    const bytes = encodeCall("query", 3, { sql: "select 1" });
    for (const b of bytes) {
      await conn.write(new Uint8Array([b]));
      await new Promise((r) => setTimeout(r, 0));
    }
    const reply = decodeResult("query", openMessage((await readReply(conn))!));
    assertEquals(reply.response, [{ sql: "select 1" }]);
    conn.close();
  });
});

Deno.test("server: several calls on one connection are answered in order", async () => {
  await withServer(async (path) => {
    const client = await ThriftClient.connect(path);
    const answers = await Promise.all(["a", "b", "c"].map((sql) => client.invoke("query", { sql })));
    assertEquals(answers.map((a) => a.response[0].sql), ["a", "b", "c"]);
    client.close();
  });
});

Deno.test("server: an unknown method gets 'Invalid method name' and the connection stays usable", async () => {
  await withServer(async (path) => {
    const conn = await Deno.connect({ transport: "unix", path });
    const w = new Writer();
    w.messageBegin("frobnicate", MessageType.CALL, 5);
    w.fieldBegin(11, 1);
    w.string("ignored");
    w.fieldStop();
    await conn.write(w.finish());
    const reply = openMessage((await readReply(conn))!);
    assertEquals([reply.type, reply.seqid], [MessageType.EXCEPTION, 5]);
    const err = assertThrows(() => decodeResult("ping", reply), ThriftApplicationError);
    assert(err instanceof ThriftApplicationError);
    assertEquals(err.type, ApplicationErrorType.UNKNOWN_METHOD);
    assertEquals(err.message, "Invalid method name: 'frobnicate'");
    await conn.write(encodeCall("ping", 6, {}));
    assertEquals(decodeResult("ping", openMessage((await readReply(conn))!)).message, "pong");
    conn.close();
    // Methods the handler does not implement are unknown too.
    const client = await ThriftClient.connect(path);
    await assertRejects(() => client.invoke("extensions", {}), ThriftApplicationError, "Invalid method name");
    client.close();
  });
});

Deno.test("server: a handler error becomes an application exception, not a dead server", async () => {
  await withServer(async (path) => {
    const client = await ThriftClient.connect(path);
    await assertRejects(() => client.invoke("query", { sql: "boom" }), ThriftApplicationError, "handler exploded");
    assertEquals((await client.invoke("query", { sql: "after" })).response, [{ sql: "after" }]);
    client.close();
  });
});

Deno.test("server: garbage, oversized and truncated input close only that connection", async () => {
  await withServer(async (path, server, logs) => {
    // Garbage: not a Thrift header.
    const garbage = await Deno.connect({ transport: "unix", path });
    await garbage.write(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
    assertEquals(await readReply(garbage), null);
    garbage.close();
    // Oversized: a string longer than the limit.
    const big = await Deno.connect({ transport: "unix", path });
    await big.write(encodeCall("query", 1, { sql: "x".repeat(2000) }));
    assertEquals(await readReply(big), null);
    big.close();
    // Truncated: half a message, then the client leaves.
    const half = await Deno.connect({ transport: "unix", path });
    const bytes = encodeCall("query", 1, { sql: "select 1" });
    await half.write(bytes.subarray(0, 10));
    half.close();
    assert(await pingWorks(path));
    assertEquals(server.rejectedConnections, 2);
    assert(logs.some((l) => l.includes("limit of 1000")), logs.join("\n"));
  }, { ...DEFAULT_LIMITS, stringSizeLimit: 1000 });
});

Deno.test("server: a client that connects and sends nothing does not block the next client", async () => {
  await withServer(async (path, server) => {
    const silent = await Deno.connect({ transport: "unix", path });
    assert(await pingWorks(path));
    assert(await pingWorks(path));
    assert(server.connectionCount >= 1, "the silent client is still connected");
    silent.close();
  });
});

Deno.test("client: a server that never answers times out the async client", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/silent.em`;
  const listener = Deno.listen({ transport: "unix", path });
  const accepted: Deno.Conn[] = [];
  (async () => {
    for await (const c of listener) accepted.push(c);
  })();
  try {
    const client = await ThriftClient.connect(path, { timeoutMs: 150 });
    await assertRejects(() => client.invoke("ping", {}), ThriftTransportError, "No answer");
  } finally {
    listener.close();
    for (const c of accepted) c.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("client: the sync client calls a server on another thread, large replies included", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/worker.em`;
  const worker = new Worker(new URL("./server_worker_test_helpers.ts", import.meta.url), { type: "module" });
  try {
    await new Promise<void>((resolve) => {
      worker.onmessage = () => resolve();
      worker.postMessage({ path, rows: 20_000 });
    });
    using client = SyncThriftClient.connect(path, { timeoutMs: 5000 });
    assertEquals(client.invoke("ping", {}), { code: 0, message: "pong", uuid: 7n });
    const answer = client.invoke("query", { sql: "select everything" });
    assertEquals(answer.status.message, "select everything");
    assertEquals(answer.response.length, 20_000);
    assertEquals(answer.response[19_999], { a: "19999", b: "x".repeat(20), c: "é" });
    assertThrows(() => client.invoke("extensions", {}), ThriftApplicationError, "Invalid method name");
    assertEquals(client.invoke("ping", {}).uuid, 7n);
    assertThrows(() => SyncThriftClient.connect(`${dir}/absent.em`, { timeoutMs: 100 }), ThriftTransportError);
  } finally {
    worker.terminate();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("thrift server: a socket that cannot be created names its path and what to do", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/missing/osquery.em`;
    const err = assertThrows(() => ThriftServer.listen(path, {}), SocketPathError);
    assert(err.message.includes(path) && err.message.includes("ReadWritePaths"), err.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
