/**
 * Requests to the TLS server as osquery's plugins make them: the node key in the body (and the
 * `Authorization` header), the enroll secret as a URL parameter with `--tls_secret_always`, a
 * number of attempts with osquery's back-off (1, 4, 9, ... seconds between them), and re-enrollment
 * when the server answers `"node_invalid": true` (once per request, retried at once; not with
 * `--disable_reenrollment`). An `"error"` member in an answer fails the attempt.
 *
 * @module
 */
import "./flags.ts";
import { flags } from "../flags/flags.ts";
import { type Enroller, sleep as defaultSleep } from "./enroll.ts";
import { type JsonObject, RemoteError, type TlsTransport } from "./transport.ts";

/** Options of one {@linkcode RemoteClient.request}. */
export interface RequestOptions {
  /** Attempts before the request fails (default 1). */
  attempts?: number;
  /** gzip the body. */
  compress?: boolean;
  /** Ends this request (and its waits) early, besides the client's own signal. */
  signal?: AbortSignal;
  /** Put `node_key` in the body (default true; the carver's block uploads carry it only as a header). */
  bodyNodeKey?: boolean;
}

/** What the client needs. */
export interface RemoteClientOptions {
  transport: TlsTransport;
  enroller: Enroller;
  /** Waits between attempts (tests shorten it). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Ends waits and further attempts (shutdown). */
  signal?: AbortSignal;
  /** Notes each failed attempt that will be retried (verbose status). */
  onRetry?: (message: string) => void;
}

/** A client of the TLS server's node API. */
export class RemoteClient {
  readonly transport: TlsTransport;
  readonly enroller: Enroller;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #signal: AbortSignal | undefined;
  readonly #onRetry: (message: string) => void;

  constructor(options: RemoteClientOptions) {
    this.transport = options.transport;
    this.enroller = options.enroller;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#signal = options.signal;
    this.#onRetry = options.onRetry ?? (() => {});
  }

  /**
   * POSTs `body` plus `node_key` to `endpoint` and resolves to the server's JSON answer. Throws
   * the last {@linkcode RemoteError} once the attempts are spent.
   */
  async request(endpoint: string, body: JsonObject, options: RequestOptions = {}): Promise<JsonObject> {
    const attempts = Math.max(1, options.attempts ?? 1);
    const signals = [this.#signal, options.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    let reenrolled = false;
    for (let attempt = 1;; attempt++) {
      try {
        return await this.#once(endpoint, body, options, signal);
      } catch (err) {
        if (!(err instanceof RemoteError)) throw err;
        if (err.kind === "node_invalid" && !reenrolled && !flags.bool("disable_reenrollment")) {
          // The server forgot us: enroll again and retry at once, as one more attempt.
          reenrolled = true;
          await this.enroller.invalidate();
          attempt--;
          continue;
        }
        if (err.kind === "config" || err.kind === "enroll" || attempt >= attempts || signal?.aborted) throw err;
        const seconds = attempt * attempt;
        this.#onRetry(`HTTP(S) request failed: ${err.message}, retrying in ${seconds} seconds...`);
        await this.#sleep(seconds * 1000, signal);
        if (signal?.aborted) throw err;
      }
    }
  }

  async #once(endpoint: string, body: JsonObject, options: RequestOptions, signal?: AbortSignal): Promise<JsonObject> {
    const nodeKey = await this.enroller.nodeKey();
    const sent = options.bodyNodeKey === false ? body : { ...body, node_key: nodeKey };
    const answer = await this.transport.post(endpoint, sent, {
      nodeKey,
      compress: options.compress ?? false,
      params: this.enroller.secretParams(),
      signal,
    });
    if (answer.node_invalid === true) {
      const why = typeof answer.error === "string" ? `: ${answer.error}` : "";
      throw new RemoteError(
        `Request failed: Invalid node key${why} (${endpoint}).`,
        "node_invalid",
        endpoint,
      );
    }
    if (answer.error !== undefined && answer.error !== null && answer.error !== "") {
      const message = typeof answer.error === "string" ? answer.error : "<unknown>";
      throw new RemoteError(`Request failed: ${message} (${endpoint}).`, "server", endpoint);
    }
    return answer;
  }
}
