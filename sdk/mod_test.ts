import { assert, assertEquals, assertRejects, assertStringIncludes, assertThrows } from "../testing/assert.ts";
import { Engine } from "../core/engine.ts";
import { Registry } from "../core/registry.ts";
import { defineTable as defineCoreTable } from "../core/table.ts";
import { startExtensionManager } from "../core/extensions/manager.ts";
import { MAX_NESTED_EXTENSION_CALLS } from "../core/extensions/proxy.ts";
import {
  distributedGetQueries,
  distributedWriteResults,
  generateConfig,
  generatePack,
  loggerFeatures,
  logString,
  logStringBatch,
} from "../core/extensions/plugins.ts";
import { ThriftServer } from "../core/thrift/server.ts";
import { broadcastOf, defineExtension, defineTable, ExtensionStartError, handleCall, startExtension } from "./mod.ts";
import example from "../testdata/extensions/example.ts";

type WorkerReply = { uuid?: string; done?: number; error?: string; contexts?: unknown[]; logged?: string[] };

class ExtensionWorker {
  readonly worker = new Worker(new URL("./extension_worker_test_helpers.ts", import.meta.url), { type: "module" });
  readonly #queue: WorkerReply[] = [];
  #wake: (() => void) | undefined;
  constructor() {
    this.worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      this.#queue.push(e.data);
      this.#wake?.();
    };
  }
  async next(key: keyof WorkerReply): Promise<WorkerReply> {
    for (;;) {
      const i = this.#queue.findIndex((m) => key in m || "error" in m);
      if (i >= 0) return this.#queue.splice(i, 1)[0];
      await new Promise<void>((r) => this.#wake = r);
    }
  }
  async ask(message: Record<string, unknown>, key: keyof WorkerReply): Promise<WorkerReply> {
    this.worker.postMessage(message);
    return await this.next(key);
  }
}

async function withCoreAndWorker(
  fn: (engine: Engine, worker: ExtensionWorker, manager: ReturnType<typeof startExtensionManager>) => Promise<void>,
) {
  const dir = await Deno.makeTempDir();
  const registry = new Registry();
  registry.addTable(defineCoreTable({
    name: "words",
    description: "test",
    columns: [{ name: "n", type: "INTEGER" }, { name: "word", type: "TEXT" }],
    generate: () => [{ n: 2, word: "two" }, { n: 3, word: "three" }],
  }));
  const engine = new Engine({ registry });
  const manager = startExtensionManager(engine, { socket: `${dir}/osq.em`, intervalMs: 60_000, log: () => {} });
  const worker = new ExtensionWorker();
  try {
    const started = await worker.ask({ start: manager.path }, "uuid");
    assertEquals(started.error, undefined);
    await fn(engine, worker, manager);
  } finally {
    await manager.stop();
    worker.worker.terminate();
    engine.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("sdk: a TypeScript extension's table joins a core table through the manager", async () => {
  await withCoreAndWorker((engine) => {
    const rows = engine.query(
      "select w.word, e.square, e.label from words w join example_numbers e on e.n = w.n order by w.n",
    );
    assertEquals(rows, [{ word: "two", square: 4, label: "#2" }, { word: "three", square: 9, label: "#3" }]);
    assertEquals(engine.query("select count(*) as c from example_numbers"), [{ c: 10 }]);
    assertEquals(engine.query("select n from example_numbers where n in (7, 8) order by n"), [{ n: 7 }, { n: 8 }]);
    return Promise.resolve();
  });
});

Deno.test("sdk: constraints, used columns and types cross the socket as osquery sends them", async () => {
  await withCoreAndWorker(async (engine, worker) => {
    const rows = engine.query("select id, word, ratio from sdk_probe where word = 'beta' or id > 0 order by id");
    assertEquals(rows, [
      { id: 1, word: "alpha", ratio: 0.5 },
      { id: 2, word: "beta", ratio: null },
      { id: 3, word: "gamma", ratio: 2 },
    ]);
    engine.query("select word from sdk_probe where id = 2 and word like 'b%'");
    const { contexts } = await worker.ask({ contexts: true }, "contexts");
    assertEquals(contexts!.at(-1), {
      constraints: [["id", [{ op: 2, value: "2" }]], ["word", [{ op: 65, value: "b%" }]]],
      used: ["id", "word"],
    });
    assertEquals(engine.query("select secret from sdk_probe where id = 1"), [{ secret: "s1" }]);
    assertEquals(Object.keys(engine.query("select * from sdk_probe limit 1")[0]), ["id", "word", "ratio"]);
  });
});

Deno.test("sdk: an extension table that queries the core while generating returns its rows", async () => {
  await withCoreAndWorker((engine) => {
    assertEquals(engine.query("select word from sdk_core_words"), [{ word: "TWO" }, { word: "THREE" }]);
    // Joined with a core table and scanned twice in one statement (a new statement runs while
    // this one steps).
    assertEquals(
      engine.query("select w.n, c.word from words w join sdk_core_words c on lower(c.word) = w.word order by w.n"),
      [{ n: 2, word: "TWO" }, { n: 3, word: "THREE" }],
    );
    return Promise.resolve();
  });
});

Deno.test("sdk: a table that queries itself through the core ends with the nesting error", async () => {
  await withCoreAndWorker((engine) => {
    const err = assertThrows(() => engine.query("select * from core_loop"));
    assertStringIncludes(String(err), `is called ${MAX_NESTED_EXTENSION_CALLS + 1} calls deep`);
    assertStringIncludes(String(err), `osq stops at ${MAX_NESTED_EXTENSION_CALLS}`);
    // The core still answers afterwards.
    assertEquals(engine.query("select word from sdk_core_words"), [{ word: "TWO" }, { word: "THREE" }]);
    return Promise.resolve();
  });
});

Deno.test("sdk: a table error in the extension fails the query with its message", async () => {
  await withCoreAndWorker((engine) => {
    let message = "";
    try {
      engine.query("select * from sdk_probe where word = 'fail'");
    } catch (err) {
      message = String(err);
    }
    assertStringIncludes(message, "probe refused: fail");
    return Promise.resolve();
  });
});

Deno.test("sdk: config, logger and distributed plugins answer the core's calls", async () => {
  await withCoreAndWorker(async (engine, worker, manager) => {
    assertEquals(engine.registry.plugin("config", "sdk_config")?.owner, "sdk_test");
    const config = await manager.callPlugin("config", "sdk_config", { action: "genConfig" });
    assertEquals(config.response, [{ main: '{"options":{}}' }]);
    const features = await manager.callPlugin("logger", "sdk_logger", { action: "features" });
    assertEquals(features.status.code, 1);
    await manager.callPlugin("logger", "sdk_logger", { string: '{"name":"q"}', category: "event" });
    await manager.callPlugin("logger", "sdk_logger", { string_batch: '["a","b"]' });
    const queries = await manager.callPlugin("distributed", "sdk_dist", { action: "getQueries" });
    assertEquals(JSON.parse(queries.response[0].results), { queries: { q1: "select 1" } });
    await manager.callPlugin("distributed", "sdk_dist", { action: "writeResults", results: '{"queries":{}}' });
    const { logged } = await worker.ask({ logged: true }, "logged");
    assertEquals(logged, ['{"name":"q"}', "a", "b", '{"queries":{}}']);
    const sync = manager.callPluginSync("config", "sdk_config", { action: "genConfig" });
    assertEquals(sync.response.length, 1);
    // The typed helpers the faces use.
    assertEquals(await generateConfig(manager, "sdk_config"), { main: '{"options":{}}' });
    assertEquals(await loggerFeatures(manager, "sdk_logger"), { status: true, events: false });
    await logString(manager, "sdk_logger", "line");
    await logStringBatch(manager, "sdk_logger", ["x", "y"]);
    assertEquals(JSON.parse(await distributedGetQueries(manager, "sdk_dist")).queries.q1, "select 1");
    await distributedWriteResults(manager, "sdk_dist", "{}");
    assertEquals((await worker.ask({ logged: true }, "logged")).logged, ["line", "x", "y", "{}"]);
    await assertRejects(() => generatePack(manager, "sdk_config", "p"), Error, "has no packs");
  });
});

Deno.test("sdk: osquery_extensions-style listing shows the extension and stop shuts it down", async () => {
  await withCoreAndWorker(async (_engine, worker, manager) => {
    const [ext] = manager.extensions();
    assertEquals([ext.info.name, ext.info.version, ext.info.sdk_version, ext.info.min_sdk_version], [
      "sdk_test",
      "2.0.0",
      "5.23.1",
      "5.0.0",
    ]);
    await manager.stop();
    assertEquals((await worker.next("done")).done, 0);
  });
});

Deno.test("sdk: the extension leaves when the manager forgets it (1) or goes away (0)", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/fake.em`;
  let known = true;
  const fake = ThriftServer.listen(path, {
    ping: () => ({ code: 0, message: "pong", uuid: 0n }),
    registerExtension: () => ({ code: 0, message: "OK", uuid: 42n }),
    extensions: () => new Map(known ? [[42n, { name: "x", version: "", sdk_version: "", min_sdk_version: "" }]] : []),
  });
  try {
    const table = defineTable({
      name: "t",
      description: "",
      columns: [{ name: "a", type: "TEXT" }],
      generate: () => [],
    });
    const first = await startExtension({ name: "x", tables: [table] }, {
      socket: path,
      intervalMs: 200,
      log: () => {},
    });
    assertEquals([first.uuid, first.socket], [42n, `${path}.42`]);
    known = false;
    assertEquals(await first.done, 1);
    known = true;
    const second = await startExtension({ name: "x", tables: [table] }, {
      socket: path,
      intervalMs: 200,
      log: () => {},
    });
    await fake.close();
    assertEquals(await second.done, 0);
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sdk: a missing manager or a refused registration is a clear start error", async () => {
  await assertRejects(
    () => startExtension(example, { socket: "/nonexistent/osq.em", timeoutMs: 200, log: () => {} }),
    ExtensionStartError,
    "Extension manager at /nonexistent/osq.em is not available",
  );
  const dir = await Deno.makeTempDir();
  const fake = ThriftServer.listen(`${dir}/m.em`, {
    ping: () => ({ code: 0, message: "pong", uuid: 0n }),
    registerExtension: () => ({ code: 1, message: "Duplicate extension registered", uuid: 0n }),
  });
  try {
    await assertRejects(
      () => startExtension(example, { socket: `${dir}/m.em`, log: () => {} }),
      ExtensionStartError,
      "Extension example was refused: Duplicate extension registered",
    );
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sdk: the broadcast and call answers follow osquery's shapes", async () => {
  const ext = defineExtension({
    name: "shapes",
    tables: [defineTable({
      name: "shaped",
      description: "",
      aliases: ["shaped_alias"],
      attributes: { utility: true },
      columns: [
        { name: "a", type: "UNSIGNED_BIGINT", index: true, required: true },
        { name: "b", type: "TEXT", hidden: true, collate: "nocase", aliases: ["bee"] },
      ],
      generate: () => [{ a: 1n, b: true }, { a: 2, b: new TextEncoder().encode("bytes") }],
    })],
  });
  assertEquals(broadcastOf(ext).table.shaped, [
    { id: "column", name: "a", type: "UNSIGNED BIGINT", op: "3" },
    { id: "column", name: "b", type: "TEXT", op: "80" },
    { id: "alias", alias: "shaped_alias" },
    { id: "columnAlias", name: "bee", target: "b" },
    { id: "attributes", attributes: "1" },
  ]);
  const answer = await handleCall(ext, 5n, "table", "shaped_alias", { action: "generate", context: "not json" });
  assertEquals(answer, {
    status: { code: 0, message: "OK", uuid: 5n },
    response: [{ a: "1", b: "1" }, { a: "2", b: "bytes" }],
  });
  const unknown = await handleCall(ext, 5n, "logger", "nope", {});
  assertEquals([unknown.status.code, unknown.status.message], [1, "Cannot call registry item: nope"]);
  assert((await handleCall(ext, 5n, "table", "zzz", {})).status.message.includes("Unknown table"));
});
