/**
 * What the tests of a Thrift socket under a flood share (the server's own limits test and the
 * daemon's extension socket test): a liveness probe, a server process started with few
 * descriptors, and the flood's teardown.
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

/** Spawns `command` with `args` (and `options`) under an RLIMIT_NOFILE of `limit` descriptors. */
export function spawnWithFdLimit(
  limit: number,
  command: string,
  args: string[],
  options: Omit<Deno.CommandOptions, "args"> = {},
): Deno.ChildProcess {
  return new Deno.Command("bash", {
    ...options,
    args: ["-c", `ulimit -n ${limit} && exec "$@"`, "flooded", command, ...args],
  }).spawn();
}

/** Closes the flood's connections left open, SIGKILLs `child` unless it ended, and waits for it. */
export async function endFlood(flood: Deno.UnixConn[], child: Deno.ChildProcess): Promise<void> {
  for (const c of flood) c.close();
  try {
    child.kill("SIGKILL");
  } catch {
    // it ended: the test's assertions say why
  }
  await child.status;
}
