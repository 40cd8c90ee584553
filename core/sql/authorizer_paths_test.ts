/**
 * Every way SQL reaches osq from outside goes through the engine's authorizer: the extension
 * socket's `query` and `getQueryColumns`, and a TLS server's distributed queries.
 */
import { assert, assertEquals, assertStringIncludes } from "../../testing/assert.ts";
import { Engine } from "../engine.ts";
import { Registry } from "../registry.ts";
import { ThriftClient } from "../thrift/client.ts";
import { startExtensionManager } from "../extensions/manager.ts";
import { engineRunner } from "../../plugins/distributed/tls.ts";

const CRASH = "SELECT fts3_tokenizer('evil', x'4141414141414141'); " +
  "CREATE VIRTUAL TABLE temp.t USING fts3(x, tokenize=evil)";

Deno.test("authorizer paths: the extension socket's query refuses fts3_tokenizer and process-wide pragmas", async () => {
  const dir = await Deno.makeTempDir();
  const engine = new Engine({ registry: new Registry() });
  const manager = startExtensionManager(engine, { socket: `${dir}/osq.em`, intervalMs: 60_000, log: () => {} });
  const client = await ThriftClient.connect(manager.path, { timeoutMs: 10_000 });
  try {
    for (const sql of [CRASH, "SELECT hex(fts3_tokenizer('simple'))", "PRAGMA soft_heap_limit = 1"]) {
      const answer = await client.invoke("query", { sql });
      assertEquals(answer.status.code, 1, sql);
      assertStringIncludes(answer.status.message, "not allowed");
      const columns = await client.invoke("getQueryColumns", { sql });
      assertEquals(columns.status.code, 1, sql);
    }
    // The connection (and the engine) still answers.
    assertEquals((await client.invoke("query", { sql: "SELECT 1 AS one" })).response, [{ one: "1" }]);
  } finally {
    client.close();
    await manager.stop();
    engine.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("authorizer paths: distributed queries refuse fts3_tokenizer with the error as the query's status", async () => {
  const engine = new Engine({ registry: new Registry() });
  try {
    const run = engineRunner(engine);
    const outcome = await run(CRASH);
    assert(outcome.status !== 0);
    assertStringIncludes(outcome.message, "fts3_tokenizer is not allowed");
    assertEquals((await run("SELECT 2 AS two")).rows, [{ two: "2" }]);
  } finally {
    engine.close();
  }
});
