/**
 * Instance metadata services as the cloud tables use them: plain HTTP to the link-local metadata
 * authority (169.254.169.254, overridable with the hidden `--instance_metadata_authority` flag so
 * tests can serve recorded answers from 127.0.0.1), through libcurl with short timeouts.
 *
 * A host that is not on a cloud must answer quickly with zero rows: the connect timeout is one
 * second, and an authority that did not answer is remembered as unreachable for ten minutes, so
 * later queries (of any cloud table) skip the network entirely.
 *
 * @module
 */
import { defineFlag, flags } from "../../core/flags/flags.ts";
import {
  CURLE_COULDNT_CONNECT,
  CURLE_COULDNT_RESOLVE_HOST,
  CURLE_OPERATION_TIMEDOUT,
  curlRequest,
  type CurlTimeouts,
} from "../../core/net/curl.ts";

/** osquery's link-local metadata authority, shared by EC2, Azure and Yandex Cloud. */
export const DEFAULT_METADATA_AUTHORITY = "169.254.169.254";

defineFlag({
  name: "instance_metadata_authority",
  type: "string",
  default: DEFAULT_METADATA_AUTHORITY,
  description: "host[:port] of the cloud instance metadata service (for testing)",
  hidden: true,
});

/** One second to connect (the service is link-local), three to answer, as osquery allows. */
export const METADATA_TIMEOUTS: CurlTimeouts = { connectMs: 1_000, totalMs: 3_000 };

/** How long an authority that did not answer is left alone. */
export const UNREACHABLE_FOR_MS = 10 * 60 * 1000;

const unreachableUntil = new Map<string, number>();

/** The base URL of the metadata service (`http://169.254.169.254`). */
export function metadataBase(): string {
  return `http://${flags.string("instance_metadata_authority")}`;
}

/** Whether the metadata authority was overridden (tests, or an operator pointing at a proxy). */
export function authorityOverridden(): boolean {
  return flags.string("instance_metadata_authority") !== DEFAULT_METADATA_AUTHORITY;
}

/** Whether requests to this base URL are currently skipped because it did not answer recently. */
export function isUnreachable(base: string): boolean {
  const until = unreachableUntil.get(base);
  if (until === undefined) return false;
  if (Date.now() < until) return true;
  unreachableUntil.delete(base);
  return false;
}

/** Forgets every unreachable mark (tests). */
export function resetUnreachable(): void {
  unreachableUntil.clear();
}

/** An answer from a metadata service: its status and body text, or `undefined` when nothing answered. */
export interface MetadataAnswer {
  status: number;
  text: string;
}

/**
 * Sends one request to `base + path`. Returns `undefined` when the service is unreachable (and
 * remembers that for {@linkcode UNREACHABLE_FOR_MS}), or when the transfer failed midway.
 */
export function metadataRequest(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): MetadataAnswer | undefined {
  if (isUnreachable(base)) return undefined;
  const result = curlRequest({
    url: base + path,
    method: options.method,
    headers: options.headers,
    body: options.method !== undefined && options.method !== "GET" ? "" : undefined,
    timeouts: METADATA_TIMEOUTS,
    userAgent: "osquery",
  });
  if (!result.ok) {
    const code = result.code ?? 0;
    if (code === CURLE_COULDNT_CONNECT || code === CURLE_OPERATION_TIMEDOUT || code === CURLE_COULDNT_RESOLVE_HOST) {
      unreachableUntil.set(base, Date.now() + UNREACHABLE_FOR_MS);
    }
    return undefined;
  }
  return { status: result.status, text: new TextDecoder().decode(result.body) };
}

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** Parses a JSON object; anything else (or malformed text) is `undefined`. */
export function parseObject(text: string): JsonObject | undefined {
  try {
    const value = JSON.parse(text) as Json;
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A string member of an object ("" when absent or not a string, as osquery reads these documents). */
export function stringKey(doc: Json | undefined, key: string): string {
  if (doc === null || doc === undefined || typeof doc !== "object" || Array.isArray(doc)) return "";
  const value = doc[key];
  return typeof value === "string" ? value : "";
}

/** An object member of an object, or `undefined`. */
export function objectKey(doc: Json | undefined, key: string): JsonObject | undefined {
  if (doc === null || doc === undefined || typeof doc !== "object" || Array.isArray(doc)) return undefined;
  const value = doc[key];
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}
