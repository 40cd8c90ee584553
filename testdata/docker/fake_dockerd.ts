/**
 * A stand-in Docker daemon for tests: serves recorded Engine API answers (api.json, keyed by
 * path without the query string) on a UNIX socket, applies `filters={"id"|"name":{...}}` by
 * prefix as dockerd does, and logs each request line to stdout.
 *
 * Usage: deno run -A fake_dockerd.ts SOCKET_PATH
 */
import { type Json, jsonResponse, loadRecordedAnswers, serveFakeUnixHttp } from "../../testing/fake_unix_http_daemon.ts";

// "__FAKE_DOCKERD_PID__" stands for a live pid (ours), so namespace lookups have a real process.
const api = loadRecordedAnswers(new URL("./api.json", import.meta.url), { __FAKE_DOCKERD_PID__: String(Deno.pid) });

function applyFilters(body: Json, filters: string | null): Json {
  if (!filters || !Array.isArray(body)) return body;
  const parsed = JSON.parse(filters) as Record<string, Record<string, boolean>>;
  const [[key, wanted]] = Object.entries(parsed);
  const field = key === "id" ? "Id" : "Name";
  return body.filter((item) => {
    const value = String((item as Record<string, Json>)[field] ?? "").replace(/^sha256:/, "");
    return Object.keys(wanted).some((prefix) => value.startsWith(prefix));
  });
}

serveFakeUnixHttp((_req, url) => {
  const path = url.pathname.replace(/^\/v[0-9.]+/, "");
  let body = api[path];
  if (path === "/volumes" && body && url.searchParams.get("filters")) {
    const volumes = (body as Record<string, Json>).Volumes;
    body = { ...(body as Record<string, Json>), Volumes: applyFilters(volumes, url.searchParams.get("filters")) };
  } else body = applyFilters(body, url.searchParams.get("filters"));
  if (body === undefined) return jsonResponse(JSON.stringify({ message: "page not found" }), 404);
  return jsonResponse(JSON.stringify(body));
});
