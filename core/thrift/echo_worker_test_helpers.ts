/**
 * A Worker that serves an echo server on a UNIX socket, for the synchronous socket's tests
 * (a synchronous client blocks its own thread, so the server must run on another one).
 *
 * @module
 */
/// <reference lib="deno.worker" />
self.onmessage = async (event: MessageEvent<{ path: string }>) => {
  const listener = Deno.listen({ transport: "unix", path: event.data.path });
  self.postMessage("ready");
  for await (const conn of listener) {
    (async () => {
      const buf = new Uint8Array(65536);
      for (;;) {
        const n = await conn.read(buf).catch(() => null);
        if (n === null) break;
        const text = new TextDecoder().decode(buf.subarray(0, n));
        if (text.includes("silence")) continue;
        if (text.includes("bye")) break;
        await conn.write(buf.slice(0, n));
      }
      conn.close();
    })();
  }
};
