/**
 * A Thrift server for server_limits_test.ts, run in a child process whose RLIMIT_NOFILE the
 * test lowers: it answers ping, logs what the server reports to stderr, and says "ready".
 *
 * @module
 */
import { ThriftServer } from "./server.ts";

// Deno 2.9 sets up its signal driver on first use and panics if that happens while descriptors
// are exhausted; the daemon and the shell register their signals at start, and so does this.
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));

const [path, max] = Deno.args;
ThriftServer.listen(path, { ping: () => ({ code: 0, message: "pong", uuid: 1n }) }, {
  maxConnections: Number(max),
  idleMs: 600_000,
  log: (m) => console.error(m),
});
console.log("ready");
