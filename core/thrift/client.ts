/**
 * Thrift clients for osquery's extension interface over a UNIX socket (buffered transport,
 * binary protocol): {@linkcode ThriftClient} awaits, {@linkcode SyncThriftClient} blocks (for
 * table generators, which cannot await). Both send one call at a time on their connection. While
 * the blocking client waits for an answer it serves the extension manager inline (see
 * core/thrift/inline_server.ts), so an extension may query the core while it answers.
 *
 * @module
 */
import { type ArgsOf, decodeResult, encodeCall, type MethodName, openMessage, type ResultOf } from "./bindings.ts";
import { DEFAULT_LIMITS, type ProtocolLimits, ThriftProtocolError } from "./protocol.ts";
import { MessageBuffer } from "./transport.ts";
import { UnixSocketError, UnixSocketSync } from "./unix_socket_sync.ts";
import { waitReadableServing } from "./inline_server.ts";

/** Options for the clients. */
export interface ClientOptions {
  /** Connect, send and receive timeout in milliseconds (osquery: --thrift_timeout seconds). */
  timeoutMs?: number;
  limits?: ProtocolLimits;
}

/** Raised when the peer cannot be reached, goes away or does not answer in time. */
export class ThriftTransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ThriftTransportError";
  }
}

const DEFAULT_TIMEOUT_MS = 300_000;

/** An asynchronous client on one connection. */
export class ThriftClient {
  readonly path: string;
  readonly #conn: Deno.UnixConn;
  readonly #timeoutMs: number;
  readonly #buffer: MessageBuffer;
  readonly #limits: ProtocolLimits;
  #seq = 0;
  #busy: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(path: string, conn: Deno.UnixConn, timeoutMs: number, limits: ProtocolLimits) {
    this.path = path;
    this.#conn = conn;
    this.#timeoutMs = timeoutMs;
    this.#limits = limits;
    this.#buffer = new MessageBuffer(limits);
  }

  /** Connects to the Thrift server on the UNIX socket at `path`. */
  static async connect(path: string, options: ClientOptions = {}): Promise<ThriftClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const conn = await Promise.race([
        Deno.connect({ transport: "unix", path }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ThriftTransportError(`Timed out connecting to ${path}`)), timeoutMs);
        }),
      ]);
      return new ThriftClient(path, conn, timeoutMs, options.limits ?? DEFAULT_LIMITS);
    } catch (err) {
      if (err instanceof ThriftTransportError) throw err;
      throw new ThriftTransportError(`Cannot connect to ${path}: ${err instanceof Error ? err.message : err}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Calls `name` with `args` and resolves to its result (calls on one client are queued). */
  invoke<M extends MethodName>(name: M, args: ArgsOf<M>): Promise<ResultOf<M>> {
    const run = this.#busy.then(() => this.#invoke(name, args), () => this.#invoke(name, args));
    this.#busy = run.catch(() => {});
    return run;
  }

  async #invoke<M extends MethodName>(name: M, args: ArgsOf<M>): Promise<ResultOf<M>> {
    if (this.#closed) throw new ThriftTransportError(`Connection to ${this.path} is closed`);
    const seq = this.#seq = (this.#seq + 1) | 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.close();
        reject(new ThriftTransportError(`No answer from ${this.path} to ${name} within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
    });
    try {
      return await Promise.race([this.#exchange(name, seq, args), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #exchange<M extends MethodName>(name: M, seq: number, args: ArgsOf<M>): Promise<ResultOf<M>> {
    const bytes = encodeCall(name, seq, args);
    try {
      let written = 0;
      while (written < bytes.length) written += await this.#conn.write(bytes.subarray(written));
    } catch (err) {
      throw new ThriftTransportError(
        `Cannot send ${name} to ${this.path}: ${err instanceof Error ? err.message : err}`,
      );
    }
    const chunk = new Uint8Array(65536);
    for (;;) {
      const message = this.#buffer.next();
      if (message) {
        const incoming = openMessage(message, this.#limits);
        return decodeResult(name, incoming);
      }
      let n: number | null;
      try {
        n = await this.#conn.read(chunk);
      } catch (err) {
        throw new ThriftTransportError(`Lost ${this.path} during ${name}: ${err instanceof Error ? err.message : err}`);
      }
      if (n === null) throw new ThriftTransportError(`${this.path} closed the connection during ${name}`);
      this.#buffer.append(chunk.subarray(0, n));
    }
  }

  /** Closes the connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed by the peer
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** A blocking client on one connection (libc sockets over FFI). */
export class SyncThriftClient {
  readonly path: string;
  readonly #sock: UnixSocketSync;
  readonly #timeoutMs: number;
  readonly #limits: ProtocolLimits;
  readonly #buffer: MessageBuffer;
  readonly #chunk = new Uint8Array(new ArrayBuffer(65536));
  #seq = 0;

  private constructor(path: string, sock: UnixSocketSync, timeoutMs: number, limits: ProtocolLimits) {
    this.path = path;
    this.#sock = sock;
    this.#timeoutMs = timeoutMs;
    this.#limits = limits;
    this.#buffer = new MessageBuffer(limits, 65536);
  }

  /** Connects (blocking) to the Thrift server on the UNIX socket at `path`. */
  static connect(path: string, options: ClientOptions = {}): SyncThriftClient {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    try {
      return new SyncThriftClient(
        path,
        UnixSocketSync.connect(path, timeoutMs),
        timeoutMs,
        options.limits ?? DEFAULT_LIMITS,
      );
    } catch (err) {
      throw new ThriftTransportError(err instanceof Error ? err.message : String(err));
    }
  }

  /** Calls `name` with `args` and returns its result. */
  invoke<M extends MethodName>(name: M, args: ArgsOf<M>): ResultOf<M> {
    const seq = this.#seq = (this.#seq + 1) | 0;
    try {
      this.#sock.writeAll(encodeCall(name, seq, args));
      const deadline = Date.now() + this.#timeoutMs;
      for (;;) {
        const message = this.#buffer.next();
        if (message) return decodeResult(name, openMessage(message, this.#limits));
        // Wait serving the extension manager inline: the extension may query the core while it
        // answers, and this thread's event loop cannot serve it until the answer comes.
        if (!waitReadableServing(this.#sock.fd, deadline)) {
          throw new ThriftTransportError(`No answer from ${this.path} to ${name} within ${this.#timeoutMs} ms`);
        }
        const n = this.#sock.read(this.#chunk, Math.max(1, deadline - Date.now()));
        if (n === 0) throw new ThriftTransportError(`${this.path} closed the connection during ${name}`);
        this.#buffer.append(this.#chunk.subarray(0, n));
      }
    } catch (err) {
      if (err instanceof UnixSocketError) {
        this.close();
        throw new ThriftTransportError(err.message);
      }
      if (err instanceof ThriftProtocolError) this.close();
      throw err;
    }
  }

  /** Closes the connection. */
  close(): void {
    this.#sock.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
