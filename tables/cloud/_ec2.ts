/**
 * EC2's instance metadata service (IMDS): an IMDSv2 session token fetched with PUT, then GETs
 * under `/latest/` carrying it, falling back to IMDSv1 (no token) unless
 * `--aws_disable_imdsv1_fallback` is set, as osquery does.
 *
 * @module
 */
import { defineFlag, flags } from "../../core/flags/flags.ts";
import { type MetadataAnswer, metadataBase, metadataRequest, parseObject, stringKey } from "./_lib.ts";

defineFlag({
  name: "aws_disable_imdsv1_fallback",
  type: "bool",
  default: false,
  description: "Whether to disable support for IMDSv1 and fail if an IMDSv2 token could not be retrieved",
});
defineFlag({
  name: "aws_imdsv2_request_attempts",
  type: "uint32",
  default: 3,
  description: "How many attempts to do at requesting an IMDSv2 token",
});
defineFlag({
  name: "aws_imdsv2_request_interval",
  type: "uint32",
  default: 3,
  description: "Base seconds to wait between attempts at requesting an IMDSv2 token (scales with each attempt)",
});

/** The header carrying the IMDSv2 token on metadata GETs. */
export const IMDS_TOKEN_HEADER = "x-aws-ec2-metadata-token";
/** The header asking for a token lifetime on the token PUT. */
export const IMDS_TOKEN_TTL_HEADER = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_TTL_SECONDS = 21600;

let cachedToken: { base: string; token: string; expires: number } | undefined;

function sleepSeconds(seconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}

/**
 * An IMDSv2 token, reused until shortly before it expires. Server errors (5xx) and empty answers
 * are retried `--aws_imdsv2_request_attempts` times with growing pauses; a service that does not
 * answer, or refuses tokens (404/403/405: IMDSv1 only, or not EC2), is not retried.
 */
export function imdsToken(base = metadataBase()): string | undefined {
  if (cachedToken && cachedToken.base === base && Date.now() < cachedToken.expires) return cachedToken.token;
  const attempts = Math.max(1, flags.number("aws_imdsv2_request_attempts"));
  const baseInterval = Math.max(0, flags.number("aws_imdsv2_request_interval"));
  let interval = baseInterval;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const answer = metadataRequest(base, "/latest/api/token", {
      method: "PUT",
      headers: { [IMDS_TOKEN_TTL_HEADER]: String(TOKEN_TTL_SECONDS) },
    });
    if (answer === undefined) return undefined;
    if (answer.status === 200 && answer.text.trim() !== "") {
      const token = answer.text.trim();
      cachedToken = { base, token, expires: Date.now() + (TOKEN_TTL_SECONDS - 60) * 1000 };
      return token;
    }
    if (answer.status < 500 && answer.status !== 200) return undefined;
    if (attempt < attempts) {
      sleepSeconds(interval);
      interval *= baseInterval;
    }
  }
  return undefined;
}

/** Forgets the cached token (tests). */
export function resetImdsToken(): void {
  cachedToken = undefined;
}

/**
 * GETs `/latest/<suffix>` with the session token (or without, when IMDSv1 fallback is allowed).
 * `undefined` when the request could not be made or answered with an error other than 404.
 */
export function imdsGet(suffix: string, base = metadataBase()): MetadataAnswer | undefined {
  const token = imdsToken(base);
  if (token === undefined && flags.bool("aws_disable_imdsv1_fallback")) return undefined;
  return metadataRequest(base, `/latest/${suffix}`, {
    headers: token === undefined ? {} : { [IMDS_TOKEN_HEADER]: token },
  });
}

/** A text value as the tables show it: the trailing newline dropped, further lines joined by commas. */
export function metadataText(body: string): string {
  return body.replace(/\n+$/, "").split("\n").join(",");
}

/** The instance identity document, or `undefined` when IMDS did not give one. */
export function identityDocument(base = metadataBase()): Record<string, string> | undefined {
  const answer = imdsGet("dynamic/instance-identity/document", base);
  if (answer === undefined || answer.status !== 200) return undefined;
  const doc = parseObject(answer.text);
  if (doc === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const key of Object.keys(doc)) out[key] = stringKey(doc, key);
  return out;
}
