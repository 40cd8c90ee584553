/**
 * `curl`: GETs each URL the query names (through libcurl) and reports the status, timing, size and
 * body of the response.
 *
 * @module
 */
import { defineTable, type Row, TableError } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { curlGet, type CurlTimeouts, type GetResult } from "../../core/net/curl.ts";

export default registerTable(defineTable({
  name: "curl",
  description: "Performs an HTTP(S) GET for each url given and reports status, round-trip time, size and body.",
  columns: [
    { name: "url", type: "TEXT", required: true, index: true, optimized: true, description: "The URL requested." },
    { name: "method", type: "TEXT", description: "The HTTP method (GET)." },
    { name: "user_agent", type: "TEXT", additional: true, description: "The User-Agent sent (default osquery)." },
    { name: "response_code", type: "INTEGER", description: "The final HTTP status, after redirects." },
    { name: "round_trip_time", type: "BIGINT", description: "Time to complete the request, microseconds." },
    { name: "bytes", type: "BIGINT", description: "Size of the response body in bytes." },
    { name: "result", type: "TEXT", description: "The response body." },
  ],
  generate(ctx) {
    const userAgents = ctx.equals("user_agent");
    if (userAgents.length > 1) {
      throw new TableError("curl takes a single user_agent per query; query each user agent separately.");
    }
    const userAgent = userAgents.length === 1 ? sanitizeHeaderValue(userAgents[0]) : DEFAULT_USER_AGENT;
    return ctx.equals("url").map((url) => curlRow(url, userAgent, curlGet(url, userAgent, DEFAULT_TIMEOUTS)));
  },
}));

/** The User-Agent osquery sends when the query sets none. */
export const DEFAULT_USER_AGENT = "osquery";

/** Connect within 5 s and finish within 15 s: no query waits longer on a URL. */
export const DEFAULT_TIMEOUTS: CurlTimeouts = { connectMs: 5_000, totalMs: 15_000 };

/** Removes CR and LF so a user agent cannot inject header lines. */
export function sanitizeHeaderValue(value: string): string {
  return value.replace(/[\r\n]/g, "");
}

/** The row for one URL: request columns always, response columns only when the request succeeded. */
export function curlRow(url: string, userAgent: string, result: GetResult): Row {
  const row: Row = { url, method: "GET", user_agent: userAgent };
  if (result.ok) {
    row.response_code = result.status;
    row.round_trip_time = result.elapsedMicros;
    row.result = new TextDecoder().decode(result.body);
    row.bytes = result.body.length;
  }
  return row;
}
