/**
 * Stand-in HTTP daemons on a UNIX socket, for tests of tables that talk to a local daemon's API
 * (Docker, LXD): the test half. {@linkcode withFakeUnixHttp} runs a daemon script of
 * `testdata/<area>/` (built on `fake_unix_http_daemon.ts`) in a child process (table generators
 * block the thread that calls them, so the daemon needs a process of its own) with the area's
 * socket flag pointed at it.
 *
 * The daemon prints `listening` once it accepts connections, then one line per request (method,
 * path, ...), which the test reads back as the request log.
 *
 * @module
 */
import { Engine } from "../core/engine.ts";
import { flags } from "../core/flags/flags.ts";
import { SYNC_PATH } from "./fake_unix_http_daemon.ts";
import { waitFor } from "./wait.ts";

/** Sends the daemon its sync request number `n` and reads the answer to the end. */
async function syncRequest(socket: string, n: number): Promise<void> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  try {
    await conn.write(
      new TextEncoder().encode(`GET ${SYNC_PATH}?${n} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
    );
    const buf = new Uint8Array(4096);
    while ((await conn.read(buf)) !== null) {
      // drain the answer until the daemon closes the connection
    }
  } finally {
    conn.close();
  }
}

/** A running stand-in daemon, as a test sees it. */
export interface FakeUnixHttpDaemon {
  /** An engine created with the socket flag pointing at the daemon. */
  engine: Engine;
  /** The daemon's process id. */
  pid: number;
  /** The GET request lines the daemon has logged so far. */
  requests: () => Promise<string[]>;
}

/** Which daemon script to run and which flag names its socket. */
export interface FakeUnixHttpSetup {
  /** The daemon script (it calls `serveFakeUnixHttp` of fake_unix_http_daemon.ts). */
  script: URL;
  /** The socket's file name inside a fresh temporary directory. */
  socketName: string;
  /** The flag the tables read the socket path from; restored afterwards. */
  socketFlag: string;
}

/**
 * Runs the daemon script on a fresh socket, points `socketFlag` at it, creates an engine and calls
 * `fn`; then closes the engine, restores the flag, stops the daemon and removes the socket.
 */
export async function withFakeUnixHttp(
  setup: FakeUnixHttpSetup,
  fn: (daemon: FakeUnixHttpDaemon) => void | Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/${setup.socketName}`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", setup.script.pathname, socket],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines: string[] = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      lines.push(...parts);
    }
  })();
  let exited = false;
  child.status.then(() => (exited = true));
  await waitFor("the stand-in daemon to listen", () => lines.includes("listening") || exited);
  if (exited) throw new Error(`the stand-in daemon ${setup.script.pathname} exited before listening (see its stderr)`);
  const previous = flags.string(setup.socketFlag);
  flags.set(setup.socketFlag, socket);
  const engine = new Engine();
  try {
    // The daemon prints each request line before answering, in order; a sync request made now
    // and seen in the log proves every line of the queries before it has been read.
    let syncs = 0;
    const requests = async () => {
      const marker = `sync ${++syncs}`;
      await syncRequest(socket, syncs);
      await waitFor(`the stand-in daemon's log to show "${marker}"`, () => lines.includes(marker));
      return lines.filter((l) => l.startsWith("GET "));
    };
    await fn({ engine, pid: child.pid, requests });
  } finally {
    engine.close();
    flags.set(setup.socketFlag, previous);
    child.kill("SIGTERM");
    await child.status;
    await pump;
    await Deno.remove(dir, { recursive: true });
  }
}
