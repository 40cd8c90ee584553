/**
 * A liveness probe for the tests of Thrift servers (the extension manager's socket included).
 *
 * @module
 */
import { ThriftClient } from "./client.ts";

/** Whether the server at socket `path` answers ping with "pong" on a new connection (false on any error). */
export async function answersPing(path: string): Promise<boolean> {
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
