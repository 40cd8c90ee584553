/**
 * Serving a Thrift socket while the thread is blocked in a synchronous call.
 *
 * A proxy table's generate runs inside SQLite's callbacks and waits, blocked, for the
 * extension's answer; the event loop (and with it the async {@linkcode ThriftServer} of the
 * extension manager) does not run meanwhile. osquery's extension table may query the core while
 * it generates (osquery's own example extension does), so while a synchronous client waits it
 * also polls the manager's listening socket: connections made during the wait are accepted here
 * and their calls answered inline by a synchronous handler (SQLite lets a new statement run on
 * the connection while another one is stepping). A nested generate waits the same way, so calls
 * nest; the caller bounds the depth.
 *
 * Limits: only connections opened during the wait are served (one opened earlier belongs to the
 * async server, whose buffered bytes this module cannot see; osquery's SDKs open a connection
 * per call); when the outermost wait ends they are closed once their pending call is answered
 * (the client's next call on that connection fails; a new connection is served normally).
 *
 * @module
 */
import { EAGAIN, EINTR, errno, errorMessage, libc, MSG_DONTWAIT, MSG_NOSIGNAL, SOCK_CLOEXEC } from "../host/libc.ts";
import type { ArgsOf, MethodName, ResultOf } from "./bindings.ts";
import { openCall } from "./dispatch.ts";
import { type ProtocolLimits } from "./protocol.ts";
import { MessageBuffer } from "./transport.ts";

/** Synchronous implementations of the methods served inline; missing ones answer "Invalid method name". */
export type SyncThriftHandler = {
  [M in MethodName]?: (args: ArgsOf<M>) => ResultOf<M>;
};

const POLLIN = 1;
const POLLOUT = 4;
const POLLERR = 8;
const POLLHUP = 16;
const POLLNVAL = 32;
/** Connections accepted inline at once; more wait in the kernel's backlog. */
const MAX_INLINE_CONNECTIONS = 64;

interface InlineConnection {
  fd: number;
  buffer: MessageBuffer;
}

interface Endpoint {
  path: string;
  listenerFd: number;
  listenerInode: string;
  handler: SyncThriftHandler;
  limits: ProtocolLimits;
  log: (message: string) => void;
  conns: InlineConnection[];
}

let endpoint: Endpoint | undefined;
let waitDepth = 0;

/** The inode of the listening UNIX socket bound at `path` (from /proc/net/unix), if any. */
function listeningInode(path: string): string | undefined {
  let table: string;
  try {
    table = Deno.readTextFileSync("/proc/net/unix");
  } catch {
    return undefined;
  }
  for (const line of table.split("\n")) {
    // Num RefCount Protocol Flags Type St Inode Path; Flags 00010000 = listening.
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 8 && cols[3] === "00010000" && cols.slice(7).join(" ") === path) return cols[6];
  }
  return undefined;
}

/** The descriptor of this process that is the socket with inode `inode`. */
function fdOfInode(inode: string): number | undefined {
  const want = `socket:[${inode}]`;
  try {
    for (const entry of Deno.readDirSync("/proc/self/fd")) {
      try {
        if (Deno.readLinkSync(`/proc/self/fd/${entry.name}`) === want) return Number(entry.name);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return undefined;
}

/**
 * Serves `path` inline while this thread waits in a synchronous call (one endpoint per
 * thread: the extension manager). Returns a function that stops it, or undefined when the
 * listening socket cannot be found among this process's descriptors (no /proc): calls from
 * extensions during a generate then wait for the async server, as before.
 */
export function serveInlineWhileBlocked(
  path: string,
  handler: SyncThriftHandler,
  limits: ProtocolLimits,
  log: (message: string) => void,
): (() => void) | undefined {
  const inode = listeningInode(path);
  const fd = inode === undefined ? undefined : fdOfInode(inode);
  if (inode === undefined || fd === undefined) {
    log(`cannot find the descriptor of ${path}: calls made during a generate are answered after it`);
    return undefined;
  }
  const mine: Endpoint = { path, listenerFd: fd, listenerInode: inode, handler, limits, log, conns: [] };
  endpoint = mine;
  return () => {
    if (endpoint !== mine) return;
    endpoint = undefined;
    for (const c of mine.conns) libc().close(c.fd);
    mine.conns = [];
  };
}

/** How many synchronous waits are nested (0 when none runs). */
export function inlineWaitDepth(): number {
  return waitDepth;
}

/** True while the endpoint's listener descriptor still is that socket (not closed and reused). */
function listenerValid(ep: Endpoint): boolean {
  try {
    return Deno.readLinkSync(`/proc/self/fd/${ep.listenerFd}`) === `socket:[${ep.listenerInode}]`;
  } catch {
    return false;
  }
}

/**
 * Waits until `fd` is readable (or hung up), at most until `deadline` (Date.now() ms), serving
 * the inline endpoint meanwhile. Returns false on timeout.
 */
export function waitReadableServing(fd: number, deadline: number): boolean {
  const ep = endpoint && listenerValid(endpoint) ? endpoint : undefined;
  waitDepth++;
  try {
    return pollLoop(fd, deadline, ep);
  } finally {
    waitDepth--;
    if (waitDepth === 0 && ep) closeInline(ep);
  }
}

function pollLoop(fd: number, deadline: number, ep: Endpoint | undefined): boolean {
  const c = libc();
  for (;;) {
    const conns = ep ? [...ep.conns] : [];
    const watchListener = ep !== undefined && conns.length < MAX_INLINE_CONNECTIONS;
    const count = 1 + (watchListener ? 1 : 0) + conns.length;
    const pfds = new Uint8Array(new ArrayBuffer(8 * count));
    const view = new DataView(pfds.buffer);
    const fds = [fd, ...(watchListener ? [ep!.listenerFd] : []), ...conns.map((x) => x.fd)];
    fds.forEach((f, i) => {
      view.setInt32(i * 8, f, true);
      view.setInt16(i * 8 + 4, POLLIN, true);
    });
    const wait = Math.max(0, deadline - Date.now());
    const ready = c.poll(pfds, BigInt(count), Math.min(wait, 0x7fffffff));
    if (ready < 0) {
      const e = errno();
      if (e === EINTR) continue;
      throw new Error(`Cannot wait for a socket: ${errorMessage(e)}`);
    }
    if (ready === 0) {
      if (Date.now() >= deadline) return false;
      continue;
    }
    const revents = (i: number) => view.getInt16(i * 8 + 6, true);
    if (revents(0) & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) return true;
    if (!ep) continue;
    let i = 1;
    if (watchListener) {
      if (revents(1) & POLLIN) acceptOne(ep);
      i = 2;
    }
    for (const conn of conns) {
      if (revents(i++) & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) serveReadable(ep, conn);
    }
  }
}

function acceptOne(ep: Endpoint): void {
  const fd = libc().accept4(ep.listenerFd, null, null, SOCK_CLOEXEC);
  if (fd < 0) {
    const e = errno();
    if (e !== EAGAIN && e !== EINTR) ep.log(`accepting on ${ep.path} inline failed: ${errorMessage(e)}`);
    return;
  }
  ep.conns.push({ fd, buffer: new MessageBuffer(ep.limits) });
}

function dropConn(ep: Endpoint, conn: InlineConnection): void {
  const at = ep.conns.indexOf(conn);
  if (at < 0) return;
  ep.conns.splice(at, 1);
  libc().close(conn.fd);
}

/** Reads what `conn` has, answers every complete call in it; closes it on EOF or bad bytes. */
function serveReadable(ep: Endpoint, conn: InlineConnection): void {
  const chunk = new Uint8Array(new ArrayBuffer(65536));
  const n = Number(libc().recv(conn.fd, chunk, BigInt(chunk.length), MSG_DONTWAIT));
  if (n < 0) {
    const e = errno();
    if (e === EAGAIN || e === EINTR) return;
    dropConn(ep, conn);
    return;
  }
  if (n === 0) {
    dropConn(ep, conn);
    return;
  }
  try {
    conn.buffer.append(chunk.subarray(0, n));
    let message: Uint8Array | undefined;
    while (ep.conns.includes(conn) && (message = conn.buffer.next()) !== undefined) {
      const reply = dispatch(ep, message);
      // A nested wait may have closed it (the client gave up) while the call ran.
      if (!ep.conns.includes(conn)) return;
      if (reply && !writeAll(conn.fd, reply)) {
        dropConn(ep, conn);
        return;
      }
    }
  } catch (err) {
    ep.log(`closing an inline connection on ${ep.path}: ${err instanceof Error ? err.message : err}`);
    dropConn(ep, conn);
  }
}

/** Sends every byte (the socket may be non-blocking: waits for room with poll). */
function writeAll(fd: number, bytes: Uint8Array<ArrayBuffer>): boolean {
  const c = libc();
  const pfd = new Uint8Array(new ArrayBuffer(8));
  const view = new DataView(pfd.buffer);
  let sent = 0;
  const deadline = Date.now() + 30_000;
  while (sent < bytes.length) {
    const n = Number(c.send(fd, bytes.subarray(sent), BigInt(bytes.length - sent), MSG_DONTWAIT | MSG_NOSIGNAL));
    if (n > 0) {
      sent += n;
      continue;
    }
    const e = errno();
    if (n < 0 && e === EINTR) continue;
    if (n < 0 && e === EAGAIN && Date.now() < deadline) {
      view.setInt32(0, fd, true);
      view.setInt16(4, POLLOUT, true);
      c.poll(pfd, 1n, 100);
      continue;
    }
    return false;
  }
  return true;
}

function dispatch(ep: Endpoint, bytes: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  const call = openCall(bytes, ep.limits, ep.handler);
  if ("answer" in call) return call.answer;
  try {
    return call.reply(call.run());
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    ep.log(`${call.name} failed inline on ${ep.path}: ${text}`);
    return call.fail(text);
  }
}

/**
 * The outermost wait ended: the event loop runs again, but cannot see these descriptors. Answer
 * what is already complete, then close them (clients open a connection per call).
 */
function closeInline(ep: Endpoint): void {
  for (const conn of [...ep.conns]) {
    serveReadable(ep, conn);
    dropConn(ep, conn);
  }
}
