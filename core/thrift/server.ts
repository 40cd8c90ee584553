/**
 * An asynchronous Thrift server on a UNIX socket (buffered transport, binary protocol), serving
 * osquery's Extension / ExtensionManager methods through a typed handler.
 *
 * Every connection is independent: calls on one are answered in order, many connections are
 * served at once (a silent client does not block the others). Bytes that are not a valid
 * message close that connection with a logged reason; the server keeps serving. An unknown
 * method gets Thrift's "Invalid method name" application exception and the connection stays up.
 *
 * @module
 */
import {
  ApplicationErrorType,
  type ArgsOf,
  decodeArgs,
  encodeApplicationError,
  encodeReply,
  isMethodName,
  type MethodName,
  METHODS,
  openMessage,
  type ResultOf,
} from "./bindings.ts";
import { DEFAULT_LIMITS, MessageType, type ProtocolLimits, ThriftProtocolError } from "./protocol.ts";
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
}

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
  readonly #conns = new Set<Deno.UnixConn>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #accepting: Promise<void>;
  #closed = false;
  /** Connections closed because of malformed input (for tests and diagnostics). */
  rejectedConnections = 0;

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
    return this.#conns.size;
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        if (this.#closed) {
          conn.close();
          break;
        }
        this.#conns.add(conn);
        const task = this.#serve(conn).finally(() => {
          this.#conns.delete(conn);
          this.#tasks.delete(task);
        });
        this.#tasks.add(task);
      }
    } catch (err) {
      if (!this.#closed) this.#log(`listener on ${this.path} failed: ${err instanceof Error ? err.message : err}`);
    }
  }

  async #serve(conn: Deno.UnixConn): Promise<void> {
    const buffer = new MessageBuffer(this.#limits);
    const chunk = new Uint8Array(65536);
    try {
      for (;;) {
        let message: Uint8Array | undefined;
        while ((message = buffer.next()) !== undefined) {
          const reply = await this.#dispatch(message);
          if (reply) {
            let written = 0;
            while (written < reply.length) written += await conn.write(reply.subarray(written));
          }
        }
        const n = await conn.read(chunk);
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
      } else if (!this.#closed) {
        this.#log(`connection on ${this.path} ended: ${err instanceof Error ? err.message : err}`);
      }
    } finally {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  }

  async #dispatch(bytes: Uint8Array): Promise<Uint8Array | undefined> {
    const message = openMessage(bytes, this.#limits);
    if (message.type !== MessageType.CALL && message.type !== MessageType.ONEWAY) {
      throw new ThriftProtocolError(`Expected a call, got message type ${message.type}`);
    }
    const oneway = message.type === MessageType.ONEWAY;
    const name = message.name;
    const impl = isMethodName(name) ? this.#handler[name] : undefined;
    if (!isMethodName(name) || !impl) {
      // The body was already validated by the scanner; it is simply not read.
      return oneway ? undefined : encodeApplicationError(
        name,
        message.seqid,
        `Invalid method name: '${name}'`,
        ApplicationErrorType.UNKNOWN_METHOD,
      );
    }
    const args = decodeArgs(name, message.reader);
    try {
      const result = await (impl as (a: typeof args) => unknown)(args);
      if (oneway) return undefined;
      return encodeReply(name, message.seqid, result as ResultOf<typeof name>, METHODS[name].result ? 4096 : 64);
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      this.#log(`${name} failed on ${this.path}: ${text}`);
      return oneway ? undefined : encodeApplicationError(
        name,
        message.seqid,
        `Internal error processing ${name}: ${text}`,
        ApplicationErrorType.INTERNAL_ERROR,
      );
    }
  }

  /** Stops listening, closes every connection and removes the socket file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    for (const conn of this.#conns) {
      try {
        conn.close();
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
