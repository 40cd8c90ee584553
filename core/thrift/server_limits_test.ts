import { assert, assertEquals } from "../../testing/assert.ts";
import { ThriftServer } from "./server.ts";
import { answersPing, endFlood, spawnWithFdLimit } from "./flood_test_helpers.ts";
import { waitFor } from "../../testing/wait.ts";

const handler = { ping: () => ({ code: 0, message: "pong", uuid: 1n }) };

Deno.test("thrift server: a connection silent for the idle timeout is closed", async () => {
  const dir = Deno.makeTempDirSync();
  const server = ThriftServer.listen(`${dir}/s.em`, handler, { idleMs: 200 });
  const silent = await Deno.connect({ transport: "unix", path: `${dir}/s.em` });
  try {
    await waitFor("the silent connection to be accepted", () => server.connectionCount === 1, { intervalMs: 50 });
    await waitFor("the silent connection to be closed", () => server.connectionCount === 0, { intervalMs: 50 });
    assertEquals(await silent.read(new Uint8Array(1)), null, "the client sees the connection end");
    assert(server.droppedConnections >= 1);
    assert(await answersPing(`${dir}/s.em`));
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
    await waitFor("the flood to be accepted or dropped", () => server.droppedConnections >= 32, { intervalMs: 50 });
    assert(server.connectionCount <= 8, `${server.connectionCount} connections open`);
    assert(await answersPing(path), "ping during the flood");
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
    const child = spawnWithFdLimit(64, Deno.execPath(), ["run", "-A", helper, path, "100000"], {
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    });
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
      await waitFor("an accept to fail for want of descriptors", () => /accepting on .* failed/.test(stderr), {
        intervalMs: 50,
      });
      let ended = "";
      child.status.then((st) => (ended = `helper ended with ${st.code} ${st.signal}`));
      await waitFor(
        "ping answered during the flood (or the helper ended)",
        async () => ended || await answersPing(path),
        {
          intervalMs: 50,
        },
      );
      assert(!ended, `${ended}: ${stderr}`);
      for (const c of flood.splice(0)) c.close();
      await waitFor("ping answered after the flood", () => answersPing(path), { intervalMs: 50 });
      assert(/Too many open files|os error 24/.test(stderr), stderr);
    } finally {
      await endFlood(flood, child);
      await out.cancel();
      await pumpErr;
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
