/**
 * A fake TLS server for the remote API's tests: HTTPS on 127.0.0.1 with the certificates in
 * testdata/remote/, recording every request (path, headers, JSON body, gunzipped when sent with
 * `Content-Encoding: gzip`) and answering from per-path handlers.
 *
 * @module
 */
import { gunzipSync } from "node:zlib";
import { flags } from "../core/flags/flags.ts";
import { RemoteClient } from "../core/tls_api/client.ts";
import { Enroller, MemoryNodeKeyStore } from "../core/tls_api/enroll.ts";
import { TlsTransport } from "../core/tls_api/transport.ts";

/** The test PKI. */
export const TESTDATA = new URL("../testdata/remote/", import.meta.url).pathname;

/** A request the fake server received. */
export interface RecordedRequest {
  path: string;
  /** The query string (without "?"). */
  query: string;
  headers: Headers;
  /** The parsed JSON body (undefined when not JSON). */
  body: Record<string, unknown>;
  /** Whether the body came gzip-compressed. */
  gzip: boolean;
}

/** A handler's answer: a JSON object, `{status, text}`, or "hang" (never answer). */
export type FakeAnswer = Record<string, unknown> | { status: number; text: string } | "hang";

/** Answers a request. */
export type FakeHandler = (request: RecordedRequest) => FakeAnswer | Promise<FakeAnswer>;

/** A running fake server. */
export class FakeServer {
  readonly requests: RecordedRequest[] = [];
  readonly routes: Map<string, FakeHandler>;
  readonly #abort = new AbortController();
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  /** Node keys the server accepts (an empty set accepts any). */
  readonly validKeys = new Set<string>();
  #enrollments = 0;

  constructor(routes: Record<string, FakeHandler> = {}) {
    this.routes = new Map(Object.entries(routes));
    if (!this.routes.has("/enroll")) {
      this.routes.set("/enroll", () => {
        const key = `node-key-${++this.#enrollments}`;
        this.validKeys.add(key);
        return { node_key: key, node_invalid: false };
      });
    }
    this.#server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      cert: Deno.readTextFileSync(`${TESTDATA}server.pem`),
      key: Deno.readTextFileSync(`${TESTDATA}server.key`),
      signal: this.#abort.signal,
      onListen() {},
    }, (req) => this.#handle(req));
  }

  /** `localhost:<port>`, for --tls_hostname. */
  get hostname(): string {
    return `localhost:${this.#server.addr.port}`;
  }

  /** Requests to one path. */
  to(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    let bytes = new Uint8Array(await req.arrayBuffer());
    const gzip = req.headers.get("content-encoding") === "gzip";
    if (gzip) bytes = new Uint8Array(gunzipSync(bytes));
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      // left empty
    }
    const recorded: RecordedRequest = {
      path: url.pathname,
      query: url.search.slice(1),
      headers: new Headers(req.headers),
      body,
      gzip,
    };
    this.requests.push(recorded);
    const handler = this.routes.get(url.pathname);
    if (!handler) return new Response("not found", { status: 404 });
    const answer = await handler(recorded);
    if (answer === "hang") {
      // Never answer (until the server closes).
      await new Promise<void>((resolve) => this.#abort.signal.addEventListener("abort", () => resolve()));
      return new Response(null, { status: 504 });
    }
    if ("status" in answer && typeof answer.status === "number" && "text" in answer) {
      return new Response(String(answer.text), { status: answer.status });
    }
    return Response.json(answer);
  }

  /** Stops the server. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#server.finished;
  }
}

/** Flag values pointing the remote API at `server`. */
export function serverFlags(server: FakeServer): Record<string, string> {
  return {
    tls_hostname: server.hostname,
    tls_server_certs: `${TESTDATA}ca.pem`,
    enroll_tls_endpoint: "/enroll",
    config_tls_endpoint: "/config",
    logger_tls_endpoint: "/log",
    distributed_tls_read_endpoint: "/distributed/read",
    distributed_tls_write_endpoint: "/distributed/write",
  };
}

/** Sets flags for the length of `fn`, then restores the previous values. */
export async function withFlags<T>(values: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const before = new Map<string, string>();
  for (const name of Object.keys(values)) before.set(name, String(flags.get(name)));
  for (const [name, value] of Object.entries(values)) flags.set(name, value);
  try {
    return await fn();
  } finally {
    for (const [name, value] of before) flags.set(name, value);
  }
}

/**
 * A client of the server the flags point at, for plugin tests: a 2 s timeout (or `timeoutMs`), no
 * waits between attempts, a node key kept in memory and no host details.
 */
export function testClient(
  hostIdentifier = "h",
  timeoutMs = 2000,
): { transport: TlsTransport; client: RemoteClient } {
  const transport = new TlsTransport({ timeoutMs });
  const sleep = () => Promise.resolve();
  const enroller = new Enroller({
    transport,
    store: new MemoryNodeKeyStore(),
    engine: { query: () => [] },
    hostIdentifier: () => hostIdentifier,
    sleep,
  });
  return { transport, client: new RemoteClient({ transport, enroller, sleep }) };
}
