/**
 * A Worker serving a small Thrift ExtensionManager handler on a UNIX socket, for tests of the
 * synchronous client (which blocks its own thread, so the server must run on another one).
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { ThriftServer } from "./server.ts";

self.onmessage = (event: MessageEvent<{ path: string; rows: number }>) => {
  const { path, rows } = event.data;
  const response = Array.from({ length: rows }, (_, i) => ({ a: String(i), b: "x".repeat(20), c: "é" }));
  ThriftServer.listen(path, {
    ping: () => ({ code: 0, message: "pong", uuid: 7n }),
    query: ({ sql }) => ({ status: { code: 0, message: sql, uuid: 0n }, response }),
  });
  self.postMessage("ready");
};
