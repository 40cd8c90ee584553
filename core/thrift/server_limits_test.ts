import { assert, assertEquals } from "../../testing/assert.ts";
import { ThriftServer } from "./server.ts";
import { ThriftClient } from "./client.ts";

const handler = { ping: () => ({ code: 0, message: "pong", uuid: 1n }) };

/** Polls `check` every 50 ms until it holds; fails with `what` after a generous deadline. */
async function until(what: string, check: () => boolean | Promise<boolean>, seconds = 60): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

async function ping(path: string): Promise<boolean> {
  try {
    const client = await ThriftClient.connect(path, { timeoutMs: 30_000 });
    try {
      return (await client.invoke("ping", {})).message === "pong";
    } finally {
      client.close();
    }
  } catch {
    return false;
  }
}

Deno.test("thrift server: a connection silent for the idle timeout is closed", async () => {
  const dir = Deno.makeTempDirSync();
  const server = ThriftServer.listen(`${dir}/s.em`, handler, { idleMs: 200 });
  const silent = await Deno.connect({ transport: "unix", path: `${dir}/s.em` });
  try {
    await until("the silent connection to be accepted", () => server.connectionCount === 1);
    await until("the silent connection to be closed", () => server.connectionCount === 0);
    assertEquals(await silent.read(new Uint8Array(1)), null, "the client sees the connection end");
    assert(server.droppedConnections >= 1);
    assert(await ping(`${dir}/s.em`));
  } finally {
    silent.close();
    await server.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("thrift server: connections are capped; a new one closes the idlest, so ping is answered during a flood", async () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/s.em`;
  const server = ThriftServer.listen(path, handler, { maxConnections: 8 });
  const flood: Deno.UnixConn[] = [];
  try {
    for (let i = 0; i < 40; i++) flood.push(await Deno.connect({ transport: "unix", path }));
    await until("the flood to be accepted or dropped", () => server.droppedConnections >= 32);
    assert(server.connectionCount <= 8, `${server.connectionCount} connections open`);
    assert(await ping(path), "ping during the flood");
    assert(server.connectionCount <= 8, `${server.connectionCount} connections open`);
  } finally {
    for (const c of flood) c.close();
    await server.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "thrift server: out of descriptors (RLIMIT_NOFILE lowered), accept errors are retried and ping is answered again",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = Deno.makeTempDirSync();
    const path = `${dir}/s.em`;
    const helper = new URL("./limited_server_test_helpers.ts", import.meta.url).pathname;
    // No cap to speak of: the descriptor limit is what runs out.
    const child = new Deno.Command("bash", {
      args: ["-c", 'ulimit -n 64 && exec "$0" run -A "$1" "$2" "$3"', Deno.execPath(), helper, path, "100000"],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    let stderr = "";
    const pumpErr = (async () => {
      for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) stderr += text;
    })();
    const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const flood: Deno.UnixConn[] = [];
    try {
      let said = "";
      while (!said.includes("ready")) {
        const { value, done } = await out.read();
        assert(!done, `the helper ended: ${stderr}`);
        said += value;
      }
      for (let i = 0; i < 300; i++) flood.push(await Deno.connect({ transport: "unix", path }));
      await until("an accept to fail for want of descriptors", () => /accepting on .* failed/.test(stderr));
      let ended = "";
      child.status.then((st) => (ended = `helper ended with ${st.code} ${st.signal}`));
      await until("ping answered during the flood", async () => {
        if (ended) throw new Error(`${ended}: ${stderr}`);
        return await ping(path);
      });
      for (const c of flood.splice(0)) c.close();
      await until("ping answered after the flood", () => ping(path));
      assert(/Too many open files|os error 24/.test(stderr), stderr);
    } finally {
      for (const c of flood) c.close();
      try {
        child.kill("SIGKILL");
      } catch {
        // it ended (the assertion above says why)
      }
      await child.status;
      await out.cancel();
      await pumpErr;
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
