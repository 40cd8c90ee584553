/**
 * A Worker serving an extension-like Thrift server for the inline server's tests: its `call`
 * calls back into the manager socket named in the request while the caller waits blocked —
 * first with garbage on one connection, then `query` on a new one — and answers the query's rows.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { ThriftClient } from "./client.ts";
import { ThriftServer } from "./server.ts";

self.onmessage = (event: MessageEvent<{ path: string }>) => {
  ThriftServer.listen(event.data.path, {
    ping: () => ({ code: 0, message: "pong", uuid: 0n }),
    call: async ({ request }) => {
      const junk = await Deno.connect({ transport: "unix", path: request.manager });
      // A non-strict message whose name claims 2 GiB: over every limit, so it cannot be a message.
      await junk.write(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
      const closed = await junk.read(new Uint8Array(16)).catch(() => null);
      junk.close();
      const client = await ThriftClient.connect(request.manager, { timeoutMs: 30_000 });
      try {
        const answer = await client.invoke("query", { sql: request.sql });
        return {
          status: answer.status,
          response: [...answer.response, { junk: closed === null ? "closed" : "answered" }],
        };
      } finally {
        client.close();
      }
    },
  });
  self.postMessage("ready");
};
