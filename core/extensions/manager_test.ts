import { assert, assertEquals } from "../../testing/assert.ts";
import { waitFor } from "../../testing/wait.ts";
import { Engine } from "../engine.ts";
import { Registry } from "../registry.ts";
import { defineTable } from "../table.ts";
import type { ExtensionRegistry, InternalExtensionInfo } from "../thrift/bindings.ts";
import { ThriftClient } from "../thrift/client.ts";
import { ThriftServer } from "../thrift/server.ts";
import { type ExtensionManager, startExtensionManager, versionAtLeast } from "./manager.ts";
import { activeManager } from "./state.ts";
import { extensionRows } from "../../tables/extensions/osquery_extensions.ts";

const info = (name: string, sdk = "5.23.1"): InternalExtensionInfo => ({
  name,
  version: "1.2.3",
  sdk_version: sdk,
  min_sdk_version: "1.8.0",
});
const tableRoutes = [{ id: "column", name: "a", type: "TEXT", op: "0" }];

async function withManager(
  fn: (m: ExtensionManager, client: ThriftClient, engine: Engine, registry: Registry) => Promise<void>,
  options: { intervalMs?: number; timeoutMs?: number } = {},
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const registry = new Registry();
  registry.addTable(defineTable({
    name: "numbers",
    description: "test",
    columns: [{ name: "n", type: "INTEGER" }, { name: "name", type: "TEXT", index: true }],
    generate: () => [{ n: 1, name: "one" }, { n: 2, name: null }],
  }));
  registry.addPlugin({ registry: "logger", name: "filesystem", owner: "core", internal: true });
  const engine = new Engine({ registry });
  const manager = startExtensionManager(engine, {
    socket: `${dir}/sub/osq.em`,
    intervalMs: options.intervalMs ?? 60_000,
    timeoutMs: options.timeoutMs ?? 3000,
    log: () => {},
  });
  const client = await ThriftClient.connect(manager.path, { timeoutMs: 5000 });
  try {
    await fn(manager, client, engine, registry);
  } finally {
    client.close();
    await manager.stop();
    engine.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("manager: versionAtLeast compares dotted versions as osquery does", () => {
  assert(versionAtLeast("1.7.7", "1.7.7"));
  assert(versionAtLeast("1.7.7", "5.23.1"));
  assert(versionAtLeast("1.7.7", "1.8"));
  assert(versionAtLeast("1.7.7", "0.0.0"));
  assert(!versionAtLeast("1.7.7", "1.7.6"));
  assert(!versionAtLeast("1.7.7", "0.9"));
  assert(!versionAtLeast("1.7.7", "1.6.99"));
  // osquery's quirks: missing parts stop the comparison; text parts compare as text.
  assert(versionAtLeast("1.7.7", ""));
  assert(versionAtLeast("1.7.7", "1.7"));
  assert(versionAtLeast("1.7.7", "x.y.z"));
  assert(!versionAtLeast("1.7.7", "!"));
});

Deno.test("manager: serves an owner-only socket in a created directory and answers ping as uuid 0", async () => {
  await withManager(async (manager, client) => {
    assertEquals(Deno.statSync(manager.path).mode! & 0o777, 0o600);
    assertEquals(await client.invoke("ping", {}), { code: 0, message: "pong", uuid: 0n });
    assertEquals(activeManager()?.path, manager.path);
  });
  assertEquals(activeManager(), undefined);
});

Deno.test("manager: registration follows osquery's rules and messages", async () => {
  await withManager(async (manager, client, _engine, registry) => {
    const ok = await client.invoke("registerExtension", {
      info: info("one"),
      registry: { table: { ext_t: tableRoutes } },
    });
    assertEquals([ok.code, ok.message], [0, "OK"]);
    assert(ok.uuid >= 1n && ok.uuid <= 65535n);
    assertEquals(registry.tableOwner("ext_t"), "one");
    const attempts: [InternalExtensionInfo, ExtensionRegistry, string][] = [
      [info("one"), {}, "Duplicate extension registered"],
      [info("old", "1.7.6"), {}, "Incompatible extension SDK version"],
      [info("older", "0.9.9"), {}, "Incompatible extension SDK version"],
      [info("two"), { nonsense: { x: [] } }, "Failed adding registry: Unknown registry: nonsense"],
      [
        info("two"),
        { table: { numbers: tableRoutes } },
        "Failed adding registry: Registry item numbers conflicts with another item of the same name.",
      ],
      [
        info("two"),
        { table: { ext_t: tableRoutes } },
        "Failed adding registry: Registry item ext_t conflicts with another item of the same name.",
      ],
      [
        info("two"),
        { logger: { filesystem: [] } },
        "Failed adding registry: Registry item filesystem conflicts with another item of the same name.",
      ],
      [info("two"), { table: { empty_t: [] } }, "Failed adding registry: Invalid route info"],
    ];
    for (const [i, r, message] of attempts) {
      const status = await client.invoke("registerExtension", { info: i, registry: r });
      assertEquals([status.code, status.message], [1, message], message);
    }
    // Nothing of the refused registrations stayed behind.
    assertEquals(registry.table("empty_t"), undefined);
    assertEquals([...(await client.invoke("extensions", {})).keys()], [ok.uuid]);
    assertEquals(manager.extensions().map((e) => e.info.name), ["one"]);
  });
});

Deno.test("manager: external plugins join the registry and leave with deregistration", async () => {
  await withManager(async (manager, client, _engine, registry) => {
    const status = await client.invoke("registerExtension", {
      info: info("plugins"),
      registry: { table: {}, config: { ext_config: [] }, logger: { ext_logger: [] }, distributed: { ext_dist: [] } },
    });
    assertEquals(status.code, 0);
    assertEquals(registry.plugin("config", "ext_config")?.owner, "plugins");
    assertEquals(registry.plugin("logger", "ext_logger")?.ownerUuid, Number(status.uuid));
    assertEquals(registry.plugin("distributed", "ext_dist")?.internal, false);
    assertEquals(manager.ownerOf("logger", "ext_logger")?.uuid, status.uuid);
    const gone = await client.invoke("deregisterExtension", { uuid: status.uuid });
    assertEquals([gone.code, gone.uuid], [0, 0n]);
    assertEquals(registry.plugin("config", "ext_config"), undefined);
    const again = await client.invoke("deregisterExtension", { uuid: status.uuid });
    assertEquals([again.code, again.message], [1, "No extension UUID found"]);
  });
});

Deno.test("manager: query and getQueryColumns run in the core with NULL as empty text", async () => {
  await withManager(async (_m, client) => {
    const q = await client.invoke("query", { sql: "select n, name from numbers order by n" });
    assertEquals(q.status.code, 0);
    assertEquals(q.response, [{ n: "1", name: "one" }, { n: "2", name: "" }]);
    const bad = await client.invoke("query", { sql: "select * from nowhere" });
    assertEquals([bad.status.code, bad.status.message], [1, "no such table: nowhere"]);
    const cols = await client.invoke("getQueryColumns", { sql: "select name, n as number from numbers" });
    assertEquals(cols.response, [{ name: "TEXT" }, { number: "INTEGER" }]);
    const badCols = await client.invoke("getQueryColumns", { sql: "select from" });
    assertEquals(badCols.status.code, 1);
  });
});

Deno.test("manager: options lists the core's flags with values, defaults and types", async () => {
  await withManager(async (_m, client) => {
    const options = await client.invoke("options", {});
    assertEquals(options.extensions_interval, { value: "3", default_value: "3", type: "string" });
    assertEquals(options.extensions_default_index.type, "bool");
    assertEquals(options.thrift_timeout, { value: "300", default_value: "300", type: "uint32" });
  });
});

Deno.test("manager: call answers core tables and SQL like osquery's core", async () => {
  await withManager(async (_m, client) => {
    const columns = await client.invoke("call", { registry: "table", item: "numbers", request: { action: "columns" } });
    assertEquals(columns.response, [
      { id: "column", name: "n", type: "INTEGER", op: "0" },
      { id: "column", name: "name", type: "TEXT", op: "1" },
      { id: "attributes", attributes: "0" },
    ]);
    const context = JSON.stringify({ constraints: [{ name: "name", list: [{ op: 2, expr: "one" }] }] });
    const rows = await client.invoke("call", {
      registry: "table",
      item: "numbers",
      request: { action: "generate", context },
    });
    assertEquals(rows.response, [{ n: "1", name: "one" }, { n: "2" }]);
    const sql = await client.invoke("call", {
      registry: "sql",
      item: "sql",
      request: { action: "query", query: "select 40 + 2 as x" },
    });
    assertEquals(sql.response, [{ x: "42" }]);
    const unknown = await client.invoke("call", { registry: "table", item: "nope", request: {} });
    assertEquals([unknown.status.code, unknown.status.message], [1, "Cannot call registry item: nope"]);
  });
});

Deno.test("manager: osquery_extensions lists the core as uuid 0 and extensions with osquery's sdk quirk", async () => {
  await withManager(async (manager, client) => {
    const status = await client.invoke("registerExtension", { info: info("listed"), registry: {} });
    const rows = extensionRows(activeManager());
    assertEquals(rows, [
      { uuid: 0, name: "core", version: "5.23.1", sdk_version: "0.0.0", path: manager.path, type: "core" },
      {
        uuid: status.uuid,
        name: "listed",
        version: "1.2.3",
        sdk_version: "1.8.0",
        path: `${manager.path}.${status.uuid}`,
        type: "extension",
      },
    ]);
  });
  assertEquals(extensionRows(activeManager()), []);
});

Deno.test("manager: an extension that never opens its socket loses its tables after the timeout", async () => {
  await withManager(async (manager, client, engine, registry) => {
    const status = await client.invoke("registerExtension", {
      info: info("ghost"),
      registry: { table: { ghost_t: tableRoutes } },
    });
    assertEquals(status.code, 0);
    assertEquals(registry.tableOwner("ghost_t"), "ghost");
    // Once the 200 ms start-up grace has passed, a liveness check detaches it.
    await waitFor("a liveness check to detach the ghost's table", async () => {
      await manager.checkLiveness();
      return registry.table("ghost_t") === undefined;
    });
    assertEquals((await client.invoke("extensions", {})).size, 0);
    let error = "";
    try {
      engine.query("select * from ghost_t");
    } catch (err) {
      error = String(err);
    }
    assert(error.includes("no such table"), error);
  }, { timeoutMs: 200 });
});

Deno.test("manager: a live extension is pinged and kept; stop sends it shutdown", async () => {
  await withManager(async (manager, client, _engine, registry) => {
    const status = await client.invoke("registerExtension", {
      info: info("alive"),
      registry: { table: { alive_t: tableRoutes } },
    });
    const calls: string[] = [];
    const server = ThriftServer.listen(`${manager.path}.${status.uuid}`, {
      ping: () => {
        calls.push("ping");
        return { code: 0, message: "pong", uuid: status.uuid };
      },
      shutdown: () => {
        calls.push("shutdown");
      },
    });
    await manager.checkLiveness();
    assertEquals(registry.tableOwner("alive_t"), "alive");
    client.close();
    await manager.stop();
    assertEquals(calls, ["ping", "shutdown"]);
    assertEquals(registry.table("alive_t"), undefined);
    await server.close();
  });
});

Deno.test("manager: a restarted extension replaces its dead predecessor of the same name", async () => {
  await withManager(async (_manager, client, _engine, registry) => {
    const first = await client.invoke("registerExtension", {
      info: info("phoenix"),
      registry: { table: { p_t: tableRoutes } },
    });
    assertEquals(first.code, 0);
    // Within the start-up grace (5 s: two local calls fit in it on a loaded machine) the old one
    // may still be coming up: a duplicate.
    const early = await client.invoke("registerExtension", { info: info("phoenix"), registry: {} });
    assertEquals(early.message, "Duplicate extension registered");
    // After the grace, with no socket, the old one is dead and the new one takes its place.
    const second = await waitFor("the grace to pass and the new registration to succeed", async () => {
      const status = await client.invoke("registerExtension", {
        info: info("phoenix"),
        registry: { table: { p_t: tableRoutes } },
      });
      return status.code === 0 ? status : undefined;
    }, { intervalMs: 250 });
    assertEquals([...(await client.invoke("extensions", {})).keys()], [second.uuid]);
    assertEquals(registry.tableOwner("p_t"), "phoenix");
  }, { timeoutMs: 5000 });
});

// osquery 5.23's answers (osquery/sql/sqlite_util.cpp queryInternal, osquery/core/tables.cpp
// TablePlugin::call), kept as golden values.
Deno.test("manager: query returns every statement's rows, in order, as osquery", async () => {
  await withManager(async (_m, client) => {
    const both = await client.invoke("query", { sql: "select 1 as a; select 2 as b" });
    assertEquals(both.status, { code: 0, message: "OK", uuid: 0n });
    assertEquals(both.response, [{ a: "1" }, { b: "2" }]);
    const tail = await client.invoke("query", { sql: "select n from numbers where n = 1; select 'x' as y;  " });
    assertEquals(tail.response, [{ n: "1" }, { y: "x" }]);
    const failing = await client.invoke("query", { sql: "select 1 as a; select * from nowhere" });
    assertEquals([failing.status.code, failing.status.message, failing.response], [1, "no such table: nowhere", []]);
    const viaSql = await client.invoke("call", {
      registry: "sql",
      item: "sql",
      request: { action: "query", query: "select 1 as a; select 2 as b" },
    });
    assertEquals(viaSql.response, [{ a: "1" }, { b: "2" }]);
  });
});

Deno.test("manager: table call errors are osquery's", async () => {
  await withManager(async (_m, client) => {
    const none = await client.invoke("call", { registry: "table", item: "numbers", request: {} });
    assertEquals(none.status, { code: 1, message: "Table plugins must include a request action", uuid: 0n });
    const frob = await client.invoke("call", { registry: "table", item: "numbers", request: { action: "frob" } });
    assertEquals(frob.status, { code: 1, message: "Unknown table plugin action: frob", uuid: 0n });
    const del = await client.invoke("call", { registry: "table", item: "numbers", request: { action: "delete" } });
    assertEquals([del.status.code, del.response], [0, [{ status: "readonly" }]]);
  });
});

Deno.test("manager: a table registered by schema only loads its code before an extension's query or call scans it", async () => {
  await withManager(async (_m, client, _engine, registry) => {
    const schema = { name: "late_numbers", description: "test", columns: [{ name: "n", type: "INTEGER" as const }] };
    let loads = 0;
    registry.addLazyTable(schema, () => {
      loads++;
      registry.resolveLazyTable({ ...schema, generate: () => [{ n: 7 }] });
      return Promise.resolve();
    });
    const q = await client.invoke("query", { sql: "select n from late_numbers" });
    assertEquals(q.status?.code, 0, q.status?.message);
    assertEquals(q.response, [{ n: "7" }]);
    const rows = await client.invoke("call", {
      registry: "table",
      item: "late_numbers",
      request: { action: "generate", context: "{}" },
    });
    assertEquals(rows.response, [{ n: "7" }]);
    assertEquals(loads, 1);
  });
});
