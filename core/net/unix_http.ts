/**
 * A synchronous HTTP/1.0 GET over a UNIX domain socket ({@linkcode UnixSocketSync}), for table generators,
 * which run inside SQLite's callbacks and cannot await. Used for the Docker Engine API.
 *
 * Every call has a deadline: connect, send and receive each time out, so a stuck server cannot
 * hang a query.
 *
 * @module
 */
import { UnixSocketError, UnixSocketSync } from "../thrift/unix_socket_sync.ts";
import { concatBytes } from "../bytes.ts";

/** Raised when the socket cannot be reached or answers with something that is not HTTP. */
export class UnixHttpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnixHttpError";
  }
}

/** An HTTP response: status code, lower-cased headers and the body bytes. */
export interface HttpResponse {
  status: number;
  headers: Map<string, string>;
  body: Uint8Array;
}

/** Options for {@linkcode unixHttpGet}. */
export interface UnixHttpOptions {
  /** Per-operation timeout in milliseconds (default 5000). */
  timeoutMs?: number;
  /** Largest response accepted, in bytes (default 64 MiB). */
  maxBytes?: number;
}

/** Sends `GET uri` to the HTTP server on the UNIX socket at `socketPath` and reads the whole answer. */
export function unixHttpGet(socketPath: string, uri: string, options: UnixHttpOptions = {}): HttpResponse {
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  let sock: UnixSocketSync;
  try {
    sock = UnixSocketSync.connect(socketPath, timeoutMs);
  } catch (err) {
    throw err instanceof UnixSocketError ? new UnixHttpError(err.message) : err;
  }
  try {
    sock.writeAll(new TextEncoder().encode(`GET ${uri} HTTP/1.0\r\nHost: localhost\r\nAccept: */*\r\n\r\n`));
    const chunks: Uint8Array[] = [];
    let total = 0;
    const buf = new Uint8Array(new ArrayBuffer(65536));
    for (;;) {
      const n = sock.read(buf, timeoutMs);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw new UnixHttpError(`Answer from ${socketPath} exceeds ${maxBytes} bytes`);
      chunks.push(buf.slice(0, n));
    }
    const raw = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      raw.set(chunk, offset);
      offset += chunk.length;
    }
    return parseHttpResponse(raw);
  } catch (err) {
    if (err instanceof UnixSocketError) {
      throw new UnixHttpError(`No complete answer from ${socketPath}: ${err.message}`);
    }
    throw err;
  } finally {
    sock.close();
  }
}

/** Parses a complete HTTP/1.x response (identity or chunked body). */
export function parseHttpResponse(raw: Uint8Array): HttpResponse {
  let headerEnd = -1;
  for (let i = 0; i + 3 < raw.length; i++) {
    if (raw[i] === 13 && raw[i + 1] === 10 && raw[i + 2] === 13 && raw[i + 3] === 10) {
      headerEnd = i;
      break;
    }
  }
  if (headerEnd < 0) throw new UnixHttpError("Malformed HTTP answer: no end of headers");
  const head = new TextDecoder().decode(raw.subarray(0, headerEnd)).split("\r\n");
  const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(head[0]);
  if (!statusLine) throw new UnixHttpError(`Malformed HTTP status line: ${head[0].slice(0, 80)}`);
  const headers = new Map<string, string>();
  for (const line of head.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = raw.subarray(headerEnd + 4);
  if (headers.get("transfer-encoding")?.toLowerCase() === "chunked") body = dechunk(body);
  return { status: Number(statusLine[1]), headers, body };
}

function dechunk(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let pos = 0;
  for (;;) {
    let lineEnd = pos;
    while (lineEnd + 1 < data.length && !(data[lineEnd] === 13 && data[lineEnd + 1] === 10)) lineEnd++;
    if (lineEnd + 1 >= data.length) throw new UnixHttpError("Malformed chunked HTTP body");
    const size = parseInt(new TextDecoder().decode(data.subarray(pos, lineEnd)).split(";")[0], 16);
    if (Number.isNaN(size)) throw new UnixHttpError("Malformed chunk size in HTTP body");
    pos = lineEnd + 2;
    if (size === 0) break;
    if (pos + size > data.length) throw new UnixHttpError("Truncated chunked HTTP body");
    parts.push(data.subarray(pos, pos + size));
    pos += size + 2;
  }
  return concatBytes(parts);
}
