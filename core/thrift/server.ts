/**
 * An asynchronous Thrift server on a UNIX socket (buffered transport, binary protocol), serving
 * osquery's Extension / ExtensionManager methods through a typed handler.
 *
 * Every connection is independent: calls on one are answered in order, many connections are
 * served at once (a silent client does not block the others). Bytes that are not a valid
 * message close that connection with a logged reason; the server keeps serving. An unknown
 * method gets Thrift's "Invalid method name" application exception and the connection stays up.
 *
 * Descriptors are bounded: at most `maxConnections` are open, counting those still closing (the
 * next one is accepted once the connection idle the longest has been closed, or once a call ends
 * when every one is mid-call; meanwhile new ones wait in the kernel's backlog), a connection
 * silent for `idleMs` is closed (clients reconnect), and an accept that fails (out of descriptors,
 * EMFILE) is retried with back-off instead of ending the listener, so a flood of silent
 * connections cannot stop the server from answering, during it or after.
 *
 * @module
 */
import type { ArgsOf, MethodName, ResultOf } from "./bindings.ts";
import { openCall } from "./dispatch.ts";
import { DEFAULT_LIMITS, type ProtocolLimits, ThriftProtocolError } from "./protocol.ts";
import { MessageBuffer } from "./transport.ts";
import { UnixSocketSync } from "./unix_socket_sync.ts";

/** Implementations of the methods a server offers; missing ones answer "Invalid method name". */
export type ThriftHandler = {
  [M in MethodName]?: (args: ArgsOf<M>) => ResultOf<M> | Promise<ResultOf<M>>;
};

/** Options for {@linkcode ThriftServer.listen}. */
export interface ServerOptions {
  limits?: ProtocolLimits;
  /** Where connection problems are reported (default: stderr when OSQ_THRIFT_DEBUG is set). */
  log?: (message: string) => void;
  /** Socket file mode (default 0o600: owner only). */
  mode?: number;
  /** Most connections open at once (default 256, or a quarter of RLIMIT_NOFILE when that is less). */
  maxConnections?: number;
  /** A connection silent this long (ms) is closed (default 120 000). */
  idleMs?: number;
}

/** One open connection: when it last read or wrote, and whether a call is being answered. */
interface Connection {
  conn: Deno.UnixConn;
  lastActive: number;
  busy: boolean;
  /** Closed by the server (idle, evicted, shutdown): its read error is expected. */
  dropped: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Raised when the socket path is served by another process or cannot be bound. */
export class SocketInUseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SocketInUseError";
  }
}

/** Raised when the socket cannot be created at its path (missing or read-only directory, ...). */
export class SocketPathError extends Error {
  constructor(path: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `cannot create the extension socket ${path}: ${why}; make its directory exist and be writable ` +
        `(under systemd's ProtectSystem=strict: ReadWritePaths= or RuntimeDirectory=) or pass --extensions_socket=PATH`,
    );
    this.name = "SocketPathError";
  }
}

/**
 * Removes a stale socket file at `path` (one nobody answers on). Throws
 * {@linkcode SocketInUseError} when a live server answers there, or when `path` is not a socket.
 */
export function removeStaleSocket(path: string): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch {
    return;
  }
  if (!info.isSocket) {
    throw new SocketInUseError(`${path} exists and is not a socket: remove it or choose another path`);
  }
  try {
    UnixSocketSync.connect(path, 200).close();
  } catch {
    Deno.removeSync(path);
    return;
  }
  throw new SocketInUseError(`Another process is serving ${path}`);
}

/**
 * 256 connections, or a quarter of the descriptor limit when that is less: the rest of the
 * process (tables, the database, logs) keeps descriptors, and Deno itself aborts when it cannot
 * get one (it opens files internally), so the socket must never use them all.
 */
function defaultMaxConnections(): number {
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1]);
    if (Number.isFinite(soft) && soft > 0) return Math.max(8, Math.min(256, Math.floor(soft / 4)));
  } catch {
    // not Linux, or /proc unavailable
  }
  return 256;
}

function defaultLog(message: string): void {
  if (Deno.env.get("OSQ_THRIFT_DEBUG")) console.error(`thrift: ${message}`);
}

/** A listening server; {@linkcode ThriftServer.close} stops it and closes its connections. */
export class ThriftServer {
  /** The socket path. */
  readonly path: string;
  readonly #listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>;
  readonly #handler: ThriftHandler;
  readonly #limits: ProtocolLimits;
  readonly #log: (message: string) => void;
  readonly #conns = new Map<Deno.UnixConn, Connection>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #accepting: Promise<void>;
  readonly #maxConnections: number;
  readonly #idleMs: number;
  readonly #sweeper: ReturnType<typeof setInterval>;
  /** Woken when a connection's descriptor is released. */
  readonly #slotWaiters: (() => void)[] = [];
  #closed = false;
  #acceptLogged = -Infinity;
  /** Connections closed because of malformed input (for tests and diagnostics). */
  rejectedConnections = 0;
  /** Connections closed because they were idle, or to make room for a new one. */
  droppedConnections = 0;
  /** Accepts that failed (e.g. out of descriptors) and were retried. */
  acceptFailures = 0;

  private constructor(
    path: string,
    listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>,
    handler: ThriftHandler,
    options: ServerOptions,
  ) {
    this.path = path;
    this.#listener = listener;
    this.#handler = handler;
    this.#limits = options.limits ?? DEFAULT_LIMITS;
    this.#log = options.log ?? defaultLog;
    this.#maxConnections = Math.max(1, options.maxConnections ?? defaultMaxConnections());
    this.#idleMs = Math.max(1, options.idleMs ?? 120_000);
    this.#sweeper = setInterval(() => this.#closeIdle(), Math.max(50, Math.min(5000, this.#idleMs / 2)));
    Deno.unrefTimer(this.#sweeper);
    this.#accepting = this.#accept();
  }

  /**
   * Binds `path` (removing a stale socket first), restricts it to its owner and starts serving
   * `handler`. Throws {@linkcode SocketInUseError} when a live server already answers there.
   */
  static listen(path: string, handler: ThriftHandler, options: ServerOptions = {}): ThriftServer {
    removeStaleSocket(path);
    let listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>;
    try {
      listener = Deno.listen({ transport: "unix", path });
    } catch (err) {
      throw new SocketPathError(path, err);
    }
    try {
      Deno.chmodSync(path, options.mode ?? 0o600);
    } catch (err) {
      listener.close();
      throw err;
    }
    return new ThriftServer(path, listener, handler, options);
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.#liveCount();
  }

  /** Connections open and not being closed by the server. */
  #liveCount(): number {
    let n = 0;
    for (const c of this.#conns.values()) if (!c.dropped) n++;
    return n;
  }

  async #accept(): Promise<void> {
    let delay = 0;
    while (!this.#closed) {
      // A descriptor per connection, counting those still closing: make room before accepting.
      while (this.#conns.size >= this.#maxConnections && !this.#closed) {
        if (this.#liveCount() >= this.#maxConnections) this.#evictIdlest();
        // A released descriptor wakes this; a call ending (its connection turning idle) is seen
        // at the next look.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(wake, 100);
          function wake() {
            clearTimeout(timer);
            resolve();
          }
          this.#slotWaiters.push(wake);
        });
      }
      if (this.#closed) break;
      let conn: Deno.UnixConn;
      try {
        conn = await this.#listener.accept();
      } catch (err) {
        if (this.#closed) break;
        if (err instanceof Deno.errors.BadResource) {
          this.#log(`listener on ${this.path} was closed: ${err.message}`);
          break;
        }
        // Out of descriptors (EMFILE/ENFILE) or a transient error: free what is idle, wait, retry.
        this.acceptFailures++;
        // Said once per outage, at most every 10 s (a flood would log at every retry).
        if (delay === 0 && performance.now() - this.#acceptLogged > 10_000) {
          this.#acceptLogged = performance.now();
          this.#log(
            `accepting on ${this.path} failed: ${err instanceof Error ? err.message : err}; ` +
              `retrying with back-off (${this.#liveCount()} connections open)`,
          );
        }
        this.#evictIdlest();
        delay = delay === 0 ? 10 : Math.min(1000, delay * 2);
        await sleep(delay);
        continue;
      }
      delay = 0;
      if (this.#closed) {
        conn.close();
        break;
      }
      const state: Connection = { conn, lastActive: performance.now(), busy: false, dropped: false };
      this.#conns.set(conn, state);
      const task = this.#serve(state).finally(() => {
        this.#conns.delete(conn);
        this.#tasks.delete(task);
        for (const wake of this.#slotWaiters.splice(0)) wake();
      });
      this.#tasks.add(task);
    }
  }

  /** Closes the connection idle the longest (not one mid-call); false when there is none. */
  #evictIdlest(): boolean {
    let victim: Connection | undefined;
    for (const c of this.#conns.values()) {
      if (!c.busy && !c.dropped && (!victim || c.lastActive < victim.lastActive)) victim = c;
    }
    if (!victim) return false;
    this.#drop(victim);
    return true;
  }

  /** Closes connections silent for longer than `idleMs`. */
  #closeIdle(): void {
    const now = performance.now();
    for (const c of this.#conns.values()) {
      if (!c.busy && !c.dropped && now - c.lastActive > this.#idleMs) this.#drop(c);
    }
  }

  #drop(c: Connection): void {
    c.dropped = true;
    this.droppedConnections++;
    try {
      c.conn.close();
    } catch {
      // already closed
    }
  }

  async #serve(state: Connection): Promise<void> {
    const { conn } = state;
    const buffer = new MessageBuffer(this.#limits);
    const chunk = new Uint8Array(65536);
    try {
      for (;;) {
        let message: Uint8Array | undefined;
        while ((message = buffer.next()) !== undefined) {
          state.busy = true;
          try {
            const reply = await this.#dispatch(message);
            if (reply) {
              let written = 0;
              while (written < reply.length) written += await conn.write(reply.subarray(written));
            }
          } finally {
            state.busy = false;
            state.lastActive = performance.now();
          }
        }
        const n = await conn.read(chunk);
        state.lastActive = performance.now();
        if (n === null) {
          if (buffer.pending > 0) this.#log(`client left mid-message (${buffer.pending} bytes unread) on ${this.path}`);
          return;
        }
        buffer.append(chunk.subarray(0, n));
      }
    } catch (err) {
      if (err instanceof ThriftProtocolError) {
        this.rejectedConnections++;
        this.#log(`closing a connection on ${this.path}: ${err.message}`);
      } else if (!this.#closed && !state.dropped) {
        this.#log(`connection on ${this.path} ended: ${err instanceof Error ? err.message : err}`);
      }
    } finally {
      if (!state.dropped) {
        try {
          conn.close();
        } catch {
          // already closed
        }
      }
    }
  }

  async #dispatch(bytes: Uint8Array): Promise<Uint8Array | undefined> {
    const call = openCall(bytes, this.#limits, this.#handler);
    if ("answer" in call) return call.answer;
    try {
      return call.reply(await call.run());
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      this.#log(`${call.name} failed on ${this.path}: ${text}`);
      return call.fail(text);
    }
  }

  /** Stops listening, closes every connection and removes the socket file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const wake of this.#slotWaiters.splice(0)) wake();
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    for (const c of this.#conns.values()) {
      c.dropped = true;
      try {
        c.conn.close();
      } catch {
        // already closed
      }
    }
    await this.#accepting;
    await Promise.allSettled([...this.#tasks]);
    try {
      Deno.removeSync(this.path);
    } catch {
      // gone already
    }
  }
}
