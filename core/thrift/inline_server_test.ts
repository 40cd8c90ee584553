import { assertEquals } from "../../testing/assert.ts";
import { SyncThriftClient, ThriftClient } from "./client.ts";
import { inlineWaitDepth, serveInlineWhileBlocked } from "./inline_server.ts";
import { DEFAULT_LIMITS } from "./protocol.ts";
import { ThriftServer } from "./server.ts";

Deno.test("inline server: a peer calling back while a synchronous call waits is answered; garbage closes only its connection", async () => {
  const dir = Deno.makeTempDirSync();
  const worker = new Worker(new URL("./callback_worker_test_helpers.ts", import.meta.url), { type: "module" });
  const manager = ThriftServer.listen(`${dir}/manager.em`, {
    ping: () => ({ code: 0, message: "async pong", uuid: 0n }),
  });
  const logged: string[] = [];
  const stop = serveInlineWhileBlocked(
    manager.path,
    {
      query: ({ sql }) => ({
        status: { code: 0, message: "OK", uuid: 0n },
        response: [{ sql, depth: String(inlineWaitDepth()) }],
      }),
    },
    DEFAULT_LIMITS,
    (m) => logged.push(m),
  );
  try {
    assertEquals(typeof stop, "function");
    await new Promise<void>((resolve) => {
      worker.onmessage = () => resolve();
      worker.postMessage({ path: `${dir}/ext.sock` });
    });
    using client = SyncThriftClient.connect(`${dir}/ext.sock`, { timeoutMs: 60_000 });
    const answer = client.invoke("call", {
      registry: "table",
      item: "t",
      request: { manager: manager.path, sql: "select 1" },
    });
    assertEquals(answer.response, [{ sql: "select 1", depth: "1" }, { junk: "closed" }]);
    assertEquals(logged.length, 1, logged.join("\n"));
    assertEquals(inlineWaitDepth(), 0);
    // The async server still serves once the thread is free.
    const after = await ThriftClient.connect(manager.path, { timeoutMs: 30_000 });
    try {
      assertEquals((await after.invoke("ping", {})).message, "async pong");
    } finally {
      after.close();
    }
  } finally {
    stop?.();
    worker.terminate();
    await manager.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
