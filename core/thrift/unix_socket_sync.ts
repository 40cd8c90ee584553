/**
 * A synchronous UNIX-domain stream socket over libc (FFI), for code that cannot await: table
 * generators run inside SQLite's callbacks, so a table backed by another process (an extension's
 * Thrift server, the Docker daemon's HTTP API) must talk to it with blocking calls.
 *
 * Every operation has a deadline: connect and send are bounded by the socket's send timeout,
 * reads wait with `poll(2)` for at most the given milliseconds, so a stuck peer cannot hang a
 * query. While a call blocks, the calling thread's event loop does not run: a peer that needs
 * this thread to answer it (an extension calling back into the core during a generate) is served
 * by the Thrift client's wait (core/thrift/inline_server.ts), not by this socket.
 *
 * ```ts
 * const sock = UnixSocketSync.connect("/var/run/docker.sock", 5000);
 * try {
 *   sock.writeAll(new TextEncoder().encode("GET /_ping HTTP/1.0\r\n\r\n"));
 *   const buf = new Uint8Array(4096);
 *   const n = sock.read(buf, 5000); // 0 = the peer closed the connection
 * } finally {
 *   sock.close();
 * }
 * ```
 *
 * @module
 */
import {
  AF_UNIX,
  EAGAIN,
  EINTR,
  errno,
  errorMessage,
  libc,
  MSG_NOSIGNAL,
  setSocketTimeout,
  SO_RCVTIMEO,
  SO_SNDTIMEO,
  SOCK_CLOEXEC,
  SOCK_STREAM,
} from "../host/libc.ts";

const POLLIN = 1;
const POLLERR = 8;
const POLLHUP = 16;
/** sun_path is 108 bytes on Linux, NUL included. */
const MAX_PATH_BYTES = 107;

/** Why a socket operation failed. */
export type UnixSocketErrorKind = "connect" | "send" | "recv" | "timeout" | "closed" | "path";

/** Raised when a socket operation fails; `kind` tells connect failures from timeouts and resets. */
export class UnixSocketError extends Error {
  /** Which operation failed. */
  readonly kind: UnixSocketErrorKind;
  /** The errno, when the kernel gave one. */
  readonly errno: number;

  constructor(kind: UnixSocketErrorKind, message: string, errnoValue = 0) {
    super(message);
    this.name = "UnixSocketError";
    this.kind = kind;
    this.errno = errnoValue;
  }
}

/** A connected, blocking UNIX stream socket. Close it when done (it also works with `using`). */
export class UnixSocketSync {
  #fd: number;
  /** The path this socket is connected to. */
  readonly path: string;

  private constructor(fd: number, path: string) {
    this.#fd = fd;
    this.path = path;
  }

  /**
   * Connects to the UNIX socket at `path`. `timeoutMs` bounds the connect and every later send
   * (SO_SNDTIMEO). Throws {@linkcode UnixSocketError} when nothing listens there.
   */
  static connect(path: string, timeoutMs: number): UnixSocketSync {
    const pathBytes = new TextEncoder().encode(path);
    if (pathBytes.length > MAX_PATH_BYTES) {
      throw new UnixSocketError("path", `Socket path is too long (${pathBytes.length} bytes, at most 107): ${path}`);
    }
    const c = libc();
    const fd = c.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      const e = errno();
      throw new UnixSocketError("connect", `Cannot create a socket: ${errorMessage(e)}`, e);
    }
    try {
      setSocketTimeout(fd, SO_SNDTIMEO, timeoutMs);
      setSocketTimeout(fd, SO_RCVTIMEO, timeoutMs);
      const addr = new Uint8Array(new ArrayBuffer(2 + MAX_PATH_BYTES + 1));
      new DataView(addr.buffer).setUint16(0, AF_UNIX, true);
      addr.set(pathBytes, 2);
      for (;;) {
        if (c.connect(fd, addr, 2 + pathBytes.length + 1) === 0) break;
        const e = errno();
        if (e === EINTR) continue;
        if (e === EAGAIN) throw new UnixSocketError("timeout", `Timed out connecting to ${path}`, e);
        throw new UnixSocketError("connect", `Cannot connect to ${path}: ${errorMessage(e)}`, e);
      }
    } catch (err) {
      c.close(fd);
      throw err;
    }
    return new UnixSocketSync(fd, path);
  }

  /** The descriptor (-1 once closed), for waiting on it with others. */
  get fd(): number {
    return this.#fd;
  }

  /** True until {@linkcode UnixSocketSync.close} is called. */
  get isOpen(): boolean {
    return this.#fd >= 0;
  }

  #checkOpen(): number {
    if (this.#fd < 0) throw new UnixSocketError("closed", `Socket to ${this.path} is closed`);
    return this.#fd;
  }

  /** Sends every byte of `data` (blocking, bounded by the connect timeout per send). */
  writeAll(data: Uint8Array): void {
    const fd = this.#checkOpen();
    // FFI buffers must not be views of a SharedArrayBuffer.
    const bytes = data.buffer instanceof ArrayBuffer ? data as Uint8Array<ArrayBuffer> : data.slice();
    let sent = 0;
    while (sent < bytes.length) {
      const n = Number(libc().send(fd, bytes.subarray(sent), BigInt(bytes.length - sent), MSG_NOSIGNAL));
      if (n > 0) {
        sent += n;
        continue;
      }
      const e = errno();
      if (n < 0 && e === EINTR) continue;
      if (n < 0 && e === EAGAIN) throw new UnixSocketError("timeout", `Timed out sending to ${this.path}`, e);
      throw new UnixSocketError("send", `Cannot send to ${this.path}: ${errorMessage(e)}`, e);
    }
  }

  /**
   * Reads what is available into `buf`, waiting at most `timeoutMs` for the first byte.
   * Returns the number of bytes read; 0 means the peer closed the connection.
   * Throws {@linkcode UnixSocketError} of kind `timeout` when nothing arrives in time.
   */
  read(buf: Uint8Array<ArrayBuffer>, timeoutMs: number): number {
    const fd = this.#checkOpen();
    if (buf.length === 0) return 0;
    const c = libc();
    const pfd = new Uint8Array(new ArrayBuffer(8));
    const view = new DataView(pfd.buffer);
    const deadline = Date.now() + Math.max(0, timeoutMs);
    for (;;) {
      view.setInt32(0, fd, true);
      view.setInt16(4, POLLIN, true);
      view.setInt16(6, 0, true);
      const wait = Math.max(0, deadline - Date.now());
      const ready = c.poll(pfd, 1n, Math.min(wait, 0x7fffffff));
      if (ready < 0) {
        const e = errno();
        if (e === EINTR) continue;
        throw new UnixSocketError("recv", `Cannot wait for ${this.path}: ${errorMessage(e)}`, e);
      }
      if (ready === 0) {
        if (Date.now() >= deadline) {
          throw new UnixSocketError("timeout", `No answer from ${this.path} within ${timeoutMs} ms`);
        }
        continue;
      }
      const revents = view.getInt16(6, true);
      if ((revents & (POLLIN | POLLHUP | POLLERR)) === 0) continue;
      const n = Number(c.recv(fd, buf, BigInt(buf.length), 0));
      if (n >= 0) return n;
      const e = errno();
      if (e === EINTR || e === EAGAIN) continue;
      throw new UnixSocketError("recv", `Cannot read from ${this.path}: ${errorMessage(e)}`, e);
    }
  }

  /** Closes the socket; later calls do nothing. */
  close(): void {
    if (this.#fd >= 0) {
      libc().close(this.#fd);
      this.#fd = -1;
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
