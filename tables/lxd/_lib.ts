/**
 * The LXD REST API as the lxd tables use it: GET requests over LXD's UNIX socket (`--lxd_socket`),
 * JSON answers wrapped in LXD's standard envelope, whose `metadata` member holds the payload.
 *
 * A host without LXD (no socket, connection refused, an error answer) gives every table zero rows,
 * as osquery does: it logs the failure and returns what it has.
 *
 * @module
 */
import { defineFlag, flags } from "../../core/flags/flags.ts";
import { UnixHttpError, unixHttpGet } from "../../core/net/unix_http.ts";

defineFlag({
  name: "lxd_socket",
  type: "string",
  default: "/var/lib/lxd/unix.socket",
  description: "LXD UNIX domain socket path (snap installs use /var/snap/lxd/common/lxd/unix.socket)",
});

/** A JSON value as the API returns it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/**
 * GETs `uri` from the LXD API and returns the `metadata` member of its answer, or `undefined`
 * when LXD is unreachable, answers with anything but 200/202, or sends something that is not JSON.
 */
export function lxdMetadata(uri: string, socket = flags.string("lxd_socket")): Json | undefined {
  let response;
  try {
    response = unixHttpGet(socket, uri, { timeoutMs: 10_000 });
  } catch (err) {
    if (err instanceof UnixHttpError) return undefined;
    throw err;
  }
  if (response.status !== 200 && response.status !== 202) return undefined;
  try {
    const parsed = parseJson(new TextDecoder().decode(response.body));
    return isObject(parsed) ? parsed.metadata : undefined;
  } catch {
    return undefined;
  }
}

/**
 * JSON.parse that keeps integers beyond 2^53 (byte counters) exact: they come back as their digit
 * strings, which {@linkcode integer} turns into bigints.
 */
export function parseJson(source: string): Json {
  return JSON.parse(source, (_key, value: Json, context?: { source?: string }) => {
    if (typeof value === "number" && !Number.isSafeInteger(value) && context?.source !== undefined) {
      if (/^-?\d+$/.test(context.source)) return context.source;
    }
    return value;
  }) as Json;
}

/** Whether a JSON value is an object (not an array, not null). */
export function isObject(value: Json | undefined): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The member `key` of an object (undefined for anything else). */
export function member(value: Json | undefined, key: string): Json | undefined {
  return isObject(value) ? value[key] : undefined;
}

/** A scalar member as text ("" when absent or not a scalar), as osquery's property-tree reads give it. */
export function text(value: Json | undefined, key: string): string {
  const v = member(value, key);
  if (v === null || v === undefined || typeof v === "object") return "";
  return String(v);
}

/** A scalar member as text, or `undefined` when it is missing (osquery drops such rows). */
export function requiredText(value: Json | undefined, key: string): string | undefined {
  const v = member(value, key);
  if (v === null || v === undefined || typeof v === "object") return undefined;
  return String(v);
}

/** A boolean member as 1/0 (osquery's INTEGER(1)/INTEGER(0)); `true` and "true" count as set. */
export function bit(value: Json | undefined, key: string): number {
  const v = member(value, key);
  return v === true || v === "true" || v === 1 ? 1 : 0;
}

/** An integer member, or `undefined` when absent or not a number; large counters stay exact as bigint. */
export function integer(value: Json | undefined, key: string): number | bigint | undefined {
  const v = member(value, key);
  if (typeof v === "number" && Number.isFinite(v)) return Number.isSafeInteger(v) ? v : BigInt(Math.trunc(v));
  if (typeof v === "string" && /^-?\d+$/.test(v)) {
    const big = BigInt(v);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  return undefined;
}

/** The URLs a collection endpoint lists (`/1.0/networks` → ["/1.0/networks/lxdbr0", ...]). */
export function listing(uri: string): string[] {
  const urls = lxdMetadata(uri);
  return Array.isArray(urls) ? urls.filter((u): u is string => typeof u === "string") : [];
}

/** Path segment escaping for names taken from query constraints. */
export function segment(name: string): string {
  return encodeURIComponent(name);
}
