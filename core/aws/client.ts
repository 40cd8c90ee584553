/**
 * Signed requests to AWS JSON and query APIs. Signature Version 4 is AWS's own signer
 * (`@smithy/signature-v4`, the one the AWS SDK for JavaScript uses) with `@smithy/hash-node`'s
 * SHA-256 (node:crypto; the SDK's choice on Node, several times faster than a JavaScript one);
 * osq does not sign by hand. Endpoints are
 * `https://<service>.<region>.amazonaws.com` unless overridden (osquery's
 * `--aws_kinesis_endpoint`/`--aws_firehose_endpoint`, for Kinesis-compatible services and
 * tests); `--aws_enable_proxy` routes requests through `--aws_proxy_*`.
 *
 * @module
 */
import "./flags.ts";
// deno-lint-ignore no-import-prefix -- npm packages are imported by npm: specifier (the project has no import map)
import type { SignatureV4 } from "npm:@smithy/signature-v4@5.7.5";
import { flags } from "../flags/flags.ts";
import { readCapped, ResponseTooLargeError } from "../net/read_capped.ts";
import { type AwsCredentials, AwsCredentialsProvider, profileRegion } from "./credentials.ts";

/** The largest answer read from an AWS endpoint (a PutRecords answer for 500 records is ~50 KB). */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** An error answer of an AWS API (or a request that got none). */
export class AwsError extends Error {
  /** The AWS error code (`ThrottlingException`, ...) or `NetworkError`. */
  readonly code: string;
  /** HTTP status (0 when there was no answer). */
  readonly status: number;
  constructor(message: string, code: string, status: number) {
    super(message);
    this.name = "AwsError";
    this.code = code;
    this.status = status;
  }

  /** Worth retrying after a pause: throttling, server errors, no answer. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429 || THROTTLING.has(this.code);
  }
}

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "ProvisionedThroughputExceededException",
  "LimitExceededException",
  "RequestLimitExceeded",
  "ServiceUnavailableException",
  "ServiceUnavailable",
  "InternalFailure",
  "SlowDown",
  "KMSThrottlingException",
]);

/** Region shapes AWS uses (us-east-1, us-gov-west-1, cn-north-1, eu-isoe-west-1). */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * The region for a service, as osquery picks it: the service's own flag, `--aws_region`, the
 * profile's region in `~/.aws/config`, else us-east-1. Without a custom endpoint the region
 * must look like an AWS region.
 */
export function awsRegion(serviceRegion = "", validate = true): string {
  let region = serviceRegion || flags.string("aws_region");
  if (!region) region = profileRegion(flags.string("aws_profile_name")) ?? "us-east-1";
  if (validate && !REGION.test(region)) {
    throw new AwsError(`Invalid AWS region '${region}' (for example us-east-1).`, "InvalidRegion", 0);
  }
  return region;
}

/** The base URL of a service: the override (scheme optional, https by default) or AWS's. */
export function serviceUrl(service: string, region: string, endpoint = ""): URL {
  if (endpoint) return new URL(/^[a-z]+:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`);
  return new URL(`https://${service}.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}/`);
}

/** Options of a client. */
export interface AwsClientOptions {
  /** Signing name and host prefix: "kinesis", "firehose", "sts". */
  service: string;
  region: string;
  /** Custom endpoint (osquery's endpoint flags). */
  endpoint?: string;
  credentials?: AwsCredentialsProvider | (() => Promise<AwsCredentials>);
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

/** A signing client for one service. */
export class AwsClient {
  readonly url: URL;
  readonly service: string;
  readonly region: string;
  readonly #credentials: () => Promise<AwsCredentials>;
  #signer: SignatureV4 | undefined;
  readonly #timeoutMs: number;
  #http: Deno.HttpClient | undefined;

  constructor(o: AwsClientOptions) {
    this.service = o.service;
    this.region = o.region;
    this.url = serviceUrl(o.service, o.region, o.endpoint);
    this.#timeoutMs = o.timeoutMs ?? 30_000;
    const source = o.credentials ?? new AwsCredentialsProvider();
    const credentials = typeof source === "function" ? source : () => source.get();
    this.#credentials = credentials;
    if (flags.bool("aws_enable_proxy") && flags.string("aws_proxy_host")) {
      const port = flags.number("aws_proxy_port");
      const user = flags.string("aws_proxy_username");
      this.#http = Deno.createHttpClient({
        proxy: {
          url: `${flags.string("aws_proxy_scheme") || "https"}://${flags.string("aws_proxy_host")}${
            port ? `:${port}` : ""
          }`,
          basicAuth: user ? { username: user, password: flags.string("aws_proxy_password") } : undefined,
        },
      });
    }
  }

  /** The signer, loaded at first use so that processes without an AWS logger never load it. */
  async #signerNow(): Promise<SignatureV4> {
    if (this.#signer) return this.#signer;
    const [{ SignatureV4 }, { Hash }] = await Promise.all([
      // deno-lint-ignore no-import-prefix -- npm packages are imported by npm: specifier (the project has no import map)
      import("npm:@smithy/signature-v4@5.7.5"),
      // deno-lint-ignore no-import-prefix -- as above; node:crypto's SHA-256, as the AWS SDK uses in Node
      import("npm:@smithy/hash-node@4.2.5"),
    ]);
    this.#signer = new SignatureV4({
      service: this.service,
      region: this.region,
      credentials: this.#credentials,
      sha256: Hash.bind(null, "sha256"),
    });
    return this.#signer;
  }

  /** Sends a signed POST of `body` with `headers`; returns the status and text of the answer. */
  async post(headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
    const signed = await (await this.#signerNow()).sign({
      method: "POST",
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      port: this.url.port ? Number(this.url.port) : undefined,
      path: this.url.pathname || "/",
      query: {},
      headers: { host: this.url.host, ...headers },
      body,
    });
    const sent: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) if (k.toLowerCase() !== "host") sent[k] = String(v);
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: "POST",
        headers: sent,
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
        client: this.#http,
      });
    } catch (err) {
      throw new AwsError(
        `${this.service} at ${this.url.origin} did not answer: ${(err as Error).message}`,
        "NetworkError",
        0,
      );
    }
    try {
      return { status: res.status, text: await readCapped(res, MAX_ANSWER_BYTES) };
    } catch (err) {
      if (!(err instanceof ResponseTooLargeError)) throw err;
      throw new AwsError(`${this.service} at ${this.url.origin}: ${err.message}`, "ResponseTooLarge", res.status);
    }
  }

  /** Calls a JSON 1.1 API operation (`X-Amz-Target: <target>`); throws {@linkcode AwsError}. */
  async callJson<T>(target: string, payload: unknown): Promise<T> {
    const { status, text } = await this.post(
      { "content-type": "application/x-amz-json-1.1", "x-amz-target": target },
      JSON.stringify(payload),
    );
    let doc: Record<string, unknown> = {};
    try {
      doc = text ? JSON.parse(text) : {};
    } catch {
      // not JSON: reported below by status
    }
    if (status !== 200) {
      const type = String(doc.__type ?? doc.code ?? `HTTP${status}`);
      const code = type.includes("#") ? type.slice(type.indexOf("#") + 1) : type;
      const message = String(doc.message ?? doc.Message ?? text.slice(0, 200));
      throw new AwsError(`${target} at ${this.url.origin} failed: ${code}: ${message}`, code, status);
    }
    return doc as T;
  }

  /** Frees the proxy client. */
  close(): void {
    this.#http?.close();
    this.#http = undefined;
  }
}
