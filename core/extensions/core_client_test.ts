import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import { connectRemote, RemoteQueryError } from "./core_client.ts";

async function withRemoteCore(fn: (socket: string) => void): Promise<void> {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/remote.em`;
  const worker = new Worker(new URL("./manager_worker_test_helpers.ts", import.meta.url), { type: "module" });
  try {
    await new Promise<void>((resolve) => {
      worker.onmessage = () => resolve();
      worker.postMessage({ socket });
    });
    fn(socket);
  } finally {
    worker.terminate();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("remote: query restores the core's column order, including numeric column names", async () => {
  await withRemoteCore((socket) => {
    const remote = connectRemote(socket);
    try {
      assert(remote.ping());
      const rows = remote.query("select z, a, m from remote_rows order by a");
      assertEquals(rows, [{ z: "first", a: "1", m: "1.5" }, { z: "", a: "2", m: "" }]);
      assertEquals(Object.keys(rows[0]), ["z", "a", "m"]);
      const result = remote.run("select m, 1 as '10', z from remote_rows order by a limit 1");
      assertEquals(result.columns, [{ name: "m", type: "DOUBLE" }, { name: "10", type: "INTEGER" }, {
        name: "z",
        type: "TEXT",
      }]);
      assertEquals(result.values, [["1.5", "1", "first"]]);
      assertEquals(remote.columns("select a from remote_rows"), [{ name: "a", type: "INTEGER" }]);
    } finally {
      remote.close();
    }
  });
});

Deno.test("remote: the remote core's SQL errors and a missing socket are RemoteQueryErrors", async () => {
  await withRemoteCore((socket) => {
    const remote = connectRemote(socket);
    try {
      assertThrows(() => remote.query("select * from nowhere"), RemoteQueryError, "no such table: nowhere");
      assertEquals(remote.query("select count(*) as c from remote_rows"), [{ c: "2" }]);
    } finally {
      remote.close();
    }
  });
  assertThrows(() => connectRemote("/nonexistent/remote.em"), RemoteQueryError, "Cannot connect");
});

Deno.test("remote: the async backend for the shell restores column order against an in-process manager", async () => {
  const { Engine } = await import("../engine.ts");
  const { Registry } = await import("../registry.ts");
  const { startExtensionManager } = await import("./manager.ts");
  const { openRemoteBackend } = await import("./core_client.ts");
  const dir = await Deno.makeTempDir();
  const engine = new Engine({ registry: new Registry() });
  const manager = startExtensionManager(engine, { socket: `${dir}/m.em`, intervalMs: 60_000, log: () => {} });
  try {
    const backend = await openRemoteBackend(manager.path);
    const result = await backend.query("select 'b' as zz, null as aa, 3 as '7'");
    assertEquals(result.columns, ["zz", "aa", "7"]);
    assertEquals(result.rows, [{ zz: "b", aa: "", "7": "3" }]);
    assertEquals((await backend.columns("select 1 as x")).map((c) => c.name), ["x"]);
    let message = "";
    try {
      await backend.query("select * from nowhere");
    } catch (err) {
      message = String(err);
    }
    assert(message.includes("no such table: nowhere"), message);
    assertEquals(backend.name, manager.path);
    backend.close();
  } finally {
    await manager.stop();
    engine.close();
    await Deno.remove(dir, { recursive: true });
  }
});
