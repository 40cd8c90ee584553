/**
 * The Docker Engine API as the docker tables use it: GET requests over the daemon's UNIX socket
 * (`--docker_socket`), JSON answers, and osquery's conventions for id constraints (hex prefixes
 * passed to the API as filters, `sha256:` prefixes dropped).
 *
 * A host without a Docker daemon (no socket, connection refused) gives every table zero rows.
 *
 * @module
 */
import { defineFlag, flags } from "../../core/flags/flags.ts";
import type { ColumnSpec, QueryContext, Row } from "../../core/table.ts";
import { UnixHttpError, unixHttpGet } from "../../core/net/unix_http.ts";

defineFlag({
  name: "docker_socket",
  type: "string",
  default: "/var/run/docker.sock",
  description: "Path of the Docker daemon's UNIX socket",
});

/** A JSON value as the API returns it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** Raised when the Docker API cannot be reached or answers with an error. */
export class DockerApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DockerApiError";
  }
}

/** GETs `uri` from the Docker API and parses its JSON; throws {@linkcode DockerApiError}. */
export function dockerApi(uri: string, socket = flags.string("docker_socket")): Json {
  let response;
  try {
    response = unixHttpGet(socket, uri, { timeoutMs: 10_000 });
  } catch (err) {
    if (err instanceof UnixHttpError) throw new DockerApiError(`Error calling docker API: ${err.message}`);
    throw err;
  }
  if (response.status !== 200) {
    throw new DockerApiError(`Invalid docker API response for ${uri}: HTTP ${response.status}`);
  }
  try {
    return JSON.parse(new TextDecoder().decode(response.body)) as Json;
  } catch (err) {
    throw new DockerApiError(`Error reading docker API response for ${uri}: ${(err as Error).message}`);
  }
}

/** Like {@linkcode dockerApi}, but a missing daemon or a failed call yields `undefined` (osquery logs and moves on). */
export function tryDockerApi(uri: string): Json | undefined {
  try {
    return dockerApi(uri);
  } catch (err) {
    if (err instanceof DockerApiError) return undefined;
    throw err;
  }
}

/** Reads a dotted path ("State.Pid") from a JSON value. */
export function at(value: Json | undefined, path: string): Json | undefined {
  let cur: Json | undefined = value;
  for (const key of path.split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** A string field ("" when absent or not a scalar). */
export function str(value: Json | undefined, path?: string): string {
  const v = path === undefined ? value : at(value, path);
  if (v === null || v === undefined || typeof v === "object") return "";
  return String(v);
}

/** A numeric field (0 when absent); integers keep 64-bit precision through bigint-free JSON. */
export function num(value: Json | undefined, path: string): number {
  const v = at(value, path);
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return 0;
}

/** A boolean field as osquery's 0/1. */
export function flag(value: Json | undefined, path: string): number {
  return at(value, path) === true ? 1 : 0;
}

/** An array field ([] when absent). */
export function list(value: Json | undefined, path: string): Json[] {
  const v = at(value, path);
  return Array.isArray(v) ? v : [];
}

/** An object field's entries ([] when absent). */
export function entries(value: Json | undefined, path: string): [string, Json][] {
  const v = at(value, path);
  return v !== null && typeof v === "object" && !Array.isArray(v) ? Object.entries(v) : [];
}

/** Drops a leading `sha256:`. */
export function stripSha(id: string): string {
  return id.startsWith("sha256:") ? id.slice(7) : id;
}

/** True for a constraint value the API may be asked about: up to 64 hex digits (an id or id prefix). */
export function isIdPrefix(value: string): boolean {
  return value.length <= 64 && /^[0-9a-fA-F]*$/.test(value);
}

/** The usable id constraints of a column: `=` values that are hex id prefixes. */
export function idConstraints(ctx: QueryContext, column: string): string[] {
  return ctx.equals(column).filter(isIdPrefix);
}

/**
 * The required `id` column of the per-container tables: osquery asks the API about each
 * container a query names, so a query must give its id (a hex prefix is enough).
 */
export const CONTAINER_ID_COLUMN: ColumnSpec = {
  name: "id",
  type: "TEXT",
  required: true,
  index: true,
  collate: "nocase",
  description: "The container's id (or the id prefix the query gave).",
};

/**
 * The rows of a per-container table: for each container id the query gives, the API's answer at
 * `uri(id)` (undefined when the daemon cannot be reached or answers with an error) made into
 * rows by `rows`.
 */
export function perContainer(
  ctx: QueryContext,
  uri: (id: string) => string,
  rows: (id: string, answer: Json | undefined) => Row[],
): Row[] {
  return idConstraints(ctx, "id").flatMap((id) => rows(id, tryDockerApi(uri(id))));
}

/**
 * osquery's API filter for `column = ...` constraints: `?[all=1&]filters={"<column>":{"v":true,...}}`,
 * URL-encoded, plus the set of requested values (empty when unconstrained).
 */
export function filterQuery(ctx: QueryContext, column: string, all: boolean): { query: string; wanted: Set<string> } {
  const wanted = new Set(ctx.hasConstraint(column, 2) ? idConstraints(ctx, column) : []);
  if (!ctx.hasConstraint(column, 2)) return { query: all ? "?all=1" : "", wanted };
  const filter = JSON.stringify({ [column]: Object.fromEntries([...wanted].map((v) => [v, true])) });
  return { query: `?${all ? "all=1&" : ""}filters=${encodeURIComponent(filter)}`, wanted };
}

/**
 * The id to report for an object: the API's id without `sha256:`, or — when the query asked for
 * an id prefix that matches — that prefix, so `WHERE id = '<short id>'` keeps its rows.
 */
export function reportedId(id: string, wanted: Set<string>): string {
  const value = stripSha(id);
  for (const w of wanted) if (value.startsWith(w)) return w;
  return value;
}

/** Label rows (`<column>`, key, value) for every object of an API listing. */
export function labelRows(
  ctx: QueryContext,
  options: { column: string; idField: string; url: string; arrayPath?: string; filter: boolean; all: boolean },
): Row[] {
  const { query, wanted } = filterQuery(ctx, options.column, options.all);
  const answer = tryDockerApi(options.filter ? options.url + query : options.url);
  if (answer === undefined) return [];
  const objects = options.arrayPath ? list(answer, options.arrayPath) : Array.isArray(answer) ? answer : [];
  const rows: Row[] = [];
  for (const object of objects) {
    const id = reportedId(str(object, options.idField), wanted);
    for (const [key, value] of entries(object, "Labels")) {
      rows.push({ [options.column]: id, key, value: str(value) });
    }
  }
  return rows;
}

/** The containers listing (`/containers/json?all=1`, filtered by `id` constraints). */
export function listContainers(ctx: QueryContext): { containers: Json[]; wanted: Set<string> } {
  const { query, wanted } = filterQuery(ctx, "id", true);
  const answer = tryDockerApi("/containers/json" + query);
  return { containers: Array.isArray(answer) ? answer : [], wanted };
}

/** One container's inspect document, or undefined. */
export function inspectContainer(id: string): Json | undefined {
  return tryDockerApi(`/containers/${id}/json?stream=false`);
}

/** Image ids from `/images/json`, without `sha256:`. */
export function imageIds(): string[] {
  const answer = tryDockerApi("/images/json");
  return (Array.isArray(answer) ? answer : []).map((image) => stripSha(str(image, "Id"))).filter(Boolean);
}

/** Unix seconds of an ISO-8601 time (UTC), or 0 when empty or unparseable. */
export function unixTime(iso: string): number {
  if (!iso) return 0;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(iso);
  if (!m) return 0;
  return Math.floor(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000);
}

/** The difference of two ISO-8601 times' fractional parts, as osquery computes it (in the fraction's units). */
export function fractionDifference(a: string, b: string): number {
  const fa = /\.(\d+)/.exec(a);
  const fb = /\.(\d+)/.exec(b);
  if (!fa || !fb) return 0;
  return Number(fa[1]) - Number(fb[1]);
}
