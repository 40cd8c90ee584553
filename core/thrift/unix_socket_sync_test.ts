import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import { UnixSocketError, UnixSocketSync } from "./unix_socket_sync.ts";

async function withEchoServer(fn: (path: string) => void | Promise<void>): Promise<void> {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/echo.sock`;
  const worker = new Worker(new URL("./echo_worker_test_helpers.ts", import.meta.url), { type: "module" });
  try {
    await new Promise<void>((resolve) => {
      worker.onmessage = () => resolve();
      worker.postMessage({ path });
    });
    await fn(path);
  } finally {
    worker.terminate();
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("unix_socket_sync: writeAll then read returns the echoed bytes", async () => {
  await withEchoServer((path) => {
    using sock = UnixSocketSync.connect(path, 2000);
    const payload = new Uint8Array(50_000).map((_, i) => i % 251);
    sock.writeAll(payload);
    const got = new Uint8Array(payload.length);
    let n = 0;
    const buf = new Uint8Array(65536);
    while (n < payload.length) {
      const r = sock.read(buf, 2000);
      assert(r > 0, "the echo server closed early");
      got.set(buf.subarray(0, r), n);
      n += r;
    }
    assertEquals(got, payload);
  });
});

Deno.test("unix_socket_sync: read times out when the peer stays silent", async () => {
  await withEchoServer((path) => {
    using sock = UnixSocketSync.connect(path, 2000);
    sock.writeAll(new TextEncoder().encode("silence"));
    const err = assertThrows(() => sock.read(new Uint8Array(16), 100), UnixSocketError);
    assertEquals((err as UnixSocketError).kind, "timeout");
  });
});

Deno.test("unix_socket_sync: read returns 0 when the peer closes", async () => {
  await withEchoServer((path) => {
    using sock = UnixSocketSync.connect(path, 2000);
    sock.writeAll(new TextEncoder().encode("bye"));
    assertEquals(sock.read(new Uint8Array(16), 2000), 0);
  });
});

Deno.test("unix_socket_sync: connecting to a missing socket fails with a connect error", () => {
  const err = assertThrows(() => UnixSocketSync.connect("/nonexistent/osq.sock", 100), UnixSocketError);
  assertEquals((err as UnixSocketError).kind, "connect");
  assertThrows(() => UnixSocketSync.connect("/tmp/" + "x".repeat(200), 100), UnixSocketError, "too long");
});
