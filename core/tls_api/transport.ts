/**
 * The HTTPS transport of osquery's remote API: one JSON POST to `https://<--tls_hostname><endpoint>`
 * with osquery's headers (`User-Agent: osquery/<version>`, JSON content type, `Authorization:
 * NodeKey <key>` once enrolled, `Content-Encoding: gzip` for compressed bodies), verified against
 * `--tls_server_certs`, presenting `--tls_client_cert`/`--tls_client_key` when both are set, and
 * bounded by a timeout (osquery's 16 s) so that a server that never answers cannot hang a caller,
 * and by a cap on the answer's size ({@linkcode MAX_RESPONSE_BYTES}, osquery's 8 MiB) so that a server
 * that never stops sending cannot make the daemon allocate without bound.
 *
 * Every failure is a {@linkcode RemoteError} naming the endpoint and what went wrong (connection,
 * certificate, timeout, HTTP status, malformed JSON, an `error` in the answer, an invalid node key).
 *
 * @module
 */
import "./flags.ts";
import { gzipSync } from "node:zlib";
import { flags } from "../flags/flags.ts";
import { OSQUERY_VERSION } from "../runtime/version.ts";
import { readCapped, ResponseTooLargeError } from "../net/read_capped.ts";

/** What kind of failure a {@linkcode RemoteError} is. */
export type RemoteErrorKind =
  | "config" // flags missing or unusable (no --tls_hostname, unreadable certificate)
  | "connect" // DNS, refused connection, reset
  | "certificate" // the server's certificate is not trusted (or ours was refused)
  | "timeout" // no complete answer in time
  | "http" // a non-2xx HTTP status
  | "too_large" // the answer is larger than the cap
  | "json" // the answer is not a JSON object
  | "server" // the answer carries an `error` member
  | "node_invalid" // the server does not know our node key
  | "enroll"; // enrollment produced no node key

/** A failed remote request. */
export class RemoteError extends Error {
  constructor(
    message: string,
    /** What kind of failure. */
    readonly kind: RemoteErrorKind,
    /** The endpoint path the request went to. */
    readonly endpoint: string,
    /** The HTTP status, when the server answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "RemoteError";
  }
}

/** A JSON object answer. */
export type JsonObject = Record<string, unknown>;

/** How a {@linkcode TlsTransport} connects; unset fields come from the flags. */
export interface TransportOptions {
  /** `--tls_hostname` (host or host:port). */
  hostname?: string;
  /** `--tls_server_certs`: PEM bundle path ("" = system roots). */
  serverCerts?: string;
  /** `--tls_client_cert` / `--tls_client_key`: PEM paths. */
  clientCert?: string;
  clientKey?: string;
  /** `--proxy_hostname`: an HTTP proxy as host:port ("" = none). */
  proxy?: string;
  /** Milliseconds a request may take, connection to last body byte (default 16000, as osquery). */
  timeoutMs?: number;
  /** Bytes an answer may have, after transfer decoding (default {@linkcode MAX_RESPONSE_BYTES}). */
  maxResponseBytes?: number;
  /** Receives warnings (an unreadable certificate file) for the status log. */
  onWarning?: (message: string) => void;
}

/** Options of one request. */
export interface PostOptions {
  /** Sent as `Authorization: NodeKey <key>` (the body carries it too; see RemoteClient). */
  nodeKey?: string;
  /** gzip the body (osquery: best compression, `Content-Encoding: gzip`). */
  compress?: boolean;
  /** URL query parameters appended to the endpoint (e.g. the enroll secret with --tls_secret_always). */
  params?: Record<string, string>;
  /** Stops the request early. */
  signal?: AbortSignal;
}

/** Default request timeout: osquery's HTTP client gives up after 16 seconds. */
export const DEFAULT_TIMEOUT_MS = 16_000;

/**
 * The largest answer read from a TLS server: 8 MiB, osquery's limit (its HTTP client parses answers
 * with Boost.Beast's response parser, whose default body limit for responses is 8 MiB and which
 * osquery does not raise). A longer answer fails with a {@linkcode RemoteError} of kind
 * `"too_large"` after at most this many bytes were held.
 */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** The User-Agent osquery sends. */
export const USER_AGENT = `osquery/${OSQUERY_VERSION}`;

/** Compresses a body the way osquery does (gzip, best compression). */
export function gzipBody(text: string): Uint8Array {
  return new Uint8Array(gzipSync(new TextEncoder().encode(text), { level: 9 }));
}

/** The HTTPS transport: one HTTP client (connection pool) per transport. */
export class TlsTransport {
  readonly hostname: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly #serverCerts: string;
  readonly #clientCert: string;
  readonly #clientKey: string;
  readonly #proxy: string;
  readonly #onWarning: (message: string) => void;
  #client: Deno.HttpClient | undefined;

  constructor(options: TransportOptions = {}) {
    this.hostname = options.hostname ?? flags.string("tls_hostname");
    this.#serverCerts = options.serverCerts ?? flags.string("tls_server_certs");
    this.#clientCert = options.clientCert ?? flags.string("tls_client_cert");
    this.#clientKey = options.clientKey ?? flags.string("tls_client_key");
    this.#proxy = options.proxy ?? flags.string("proxy_hostname");
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    this.#onWarning = options.onWarning ?? (() => {});
  }

  /** The URL of an endpoint. */
  url(endpoint: string, params: Record<string, string> = {}): string {
    let url = `https://${this.hostname}${endpoint}`;
    for (const [k, v] of Object.entries(params)) {
      url += `${url.includes("?") ? "&" : "?"}${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
    }
    return url;
  }

  #httpClient(endpoint: string): Deno.HttpClient {
    if (this.#client) return this.#client;
    if (!this.hostname) {
      throw new RemoteError(
        `No TLS server is set for ${endpoint || "the request"}: set --tls_hostname (e.g. fleet.example.com:8080).`,
        "config",
        endpoint,
      );
    }
    const options: Deno.CreateHttpClientOptions & Partial<Deno.TlsCertifiedKeyPem> = {};
    if (this.#proxy) options.proxy = { url: this.#proxy.includes("://") ? this.#proxy : `http://${this.#proxy}` };
    // As osquery: an unreadable bundle or client identity is a warning, and the request goes on
    // without it (with the system roots, or without a client certificate).
    if (this.#serverCerts) {
      const pem = readPem(this.#serverCerts);
      if (typeof pem === "string") options.caCerts = [pem];
      else this.#onWarning(`Cannot read TLS server certificate(s) ${this.#serverCerts}: ${pem.message}`);
    }
    if (this.#clientCert && this.#clientKey) {
      const cert = readPem(this.#clientCert);
      const key = readPem(this.#clientKey);
      if (typeof cert !== "string") {
        this.#onWarning(`Cannot read TLS client certificate ${this.#clientCert}: ${cert.message}`);
      } else if (typeof key !== "string") {
        this.#onWarning(`Cannot read TLS client private key ${this.#clientKey}: ${key.message}`);
      } else {
        options.cert = cert;
        options.key = key;
      }
    }
    try {
      this.#client = Deno.createHttpClient(options);
    } catch (err) {
      throw new RemoteError(
        `The TLS client could not be set up (${(err as Error).message}); check --tls_server_certs, ` +
          `--tls_client_cert and --tls_client_key hold PEM data.`,
        "config",
        endpoint,
      );
    }
    return this.#client;
  }

  /**
   * POSTs `body` as JSON to `endpoint` and resolves to the JSON object answered (an empty answer
   * is `{}`, as osquery accepts). Throws a {@linkcode RemoteError}.
   */
  async post(endpoint: string, body: unknown, options: PostOptions = {}): Promise<JsonObject> {
    const client = this.#httpClient(endpoint);
    const url = this.url(endpoint, options.params);
    const text = JSON.stringify(body);
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "Accept": "application/json",
      "User-Agent": USER_AGENT,
    };
    if (options.nodeKey) headers["Authorization"] = `NodeKey ${options.nodeKey}`;
    let payload: string | Uint8Array = text;
    if (options.compress) {
      headers["Content-Encoding"] = "gzip";
      payload = gzipBody(text);
    }
    if (flags.bool("tls_dump") && flags.bool("verbose")) console.error(text);
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, this.timeoutMs);
    const onAbort = () => abort.abort();
    options.signal?.addEventListener("abort", onAbort);
    if (options.signal?.aborted) abort.abort();
    let status = 0;
    let answer: string;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers,
        body: payload as BodyInit,
        client,
        signal: abort.signal,
        redirect: "follow",
      });
      status = response.status;
      answer = await readAnswer(response, this.maxResponseBytes, url, endpoint);
    } catch (err) {
      if (err instanceof RemoteError) throw err;
      if (timedOut) {
        throw new RemoteError(
          `The TLS server did not answer ${url} within ${this.timeoutMs / 1000} s.`,
          "timeout",
          endpoint,
        );
      }
      if (options.signal?.aborted) throw new RemoteError(`The request to ${url} was stopped.`, "connect", endpoint);
      throw describeFetchError(err, url, endpoint);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
    if (flags.bool("tls_dump") && flags.bool("verbose")) console.error(answer);
    if (status < 200 || status > 299) {
      throw new RemoteError(
        `The TLS server answered ${url} with HTTP ${status}${answer ? `: ${answer.slice(0, 200).trim()}` : ""}.`,
        "http",
        endpoint,
        status,
      );
    }
    if (answer.trim() === "") return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer);
    } catch (err) {
      throw new RemoteError(
        `The TLS server's answer from ${url} is not JSON (${(err as Error).message}).`,
        "json",
        endpoint,
        status,
      );
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new RemoteError(`The TLS server's answer from ${url} is not a JSON object.`, "json", endpoint, status);
    }
    return parsed as JsonObject;
  }

  /** Closes the connection pool. */
  close(): void {
    this.#client?.close();
    this.#client = undefined;
  }
}

/** Reads the answer within `cap` bytes (core/net/read_capped.ts), as a RemoteError naming the endpoint. */
async function readAnswer(response: Response, cap: number, url: string, endpoint: string): Promise<string> {
  try {
    return await readCapped(response, cap);
  } catch (err) {
    if (!(err instanceof ResponseTooLargeError)) throw err;
    throw new RemoteError(
      `The TLS server's answer from ${url} exceeds the ${formatBytes(cap)} an answer may have ` +
        `(osquery's limit; ${err.detail}); check what the server sends for ${endpoint}.`,
      "too_large",
      endpoint,
      response.status,
    );
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function readPem(path: string): string | Error {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    return err as Error;
  }
}

/** Turns fetch's error (with its cause chain) into a RemoteError that says what to check. */
function describeFetchError(err: unknown, url: string, endpoint: string): RemoteError {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 4; e = e.cause) parts.push(e.message);
  const detail = parts.join(": ");
  if (/certificate|UnknownIssuer|CertNotValid|NotValidForName|Expired|handshake|tls|alert/i.test(detail)) {
    return new RemoteError(
      `The TLS connection to ${url} failed (${detail}); check that --tls_server_certs holds the CA that signed ` +
        `the server's certificate, that the certificate names the host in --tls_hostname, and (if the server ` +
        `requires one) --tls_client_cert/--tls_client_key.`,
      "certificate",
      endpoint,
    );
  }
  return new RemoteError(`The TLS server at ${url} could not be reached (${detail}).`, "connect", endpoint);
}
