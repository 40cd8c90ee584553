/**
 * A stand-in Docker daemon for tests: serves recorded Engine API answers (api.json, keyed by
 * path without the query string) on a UNIX socket, applies `filters={"id"|"name":{...}}` by
 * prefix as dockerd does, and logs each request line to stdout.
 *
 * Usage: deno run -A fake_dockerd.ts SOCKET_PATH
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const [socketPath] = Deno.args;
// "__FAKE_DOCKERD_PID__" stands for a live pid (ours), so namespace lookups have a real process.
const api: Record<string, Json> = JSON.parse(
  Deno.readTextFileSync(new URL("./api.json", import.meta.url)).replaceAll('"__FAKE_DOCKERD_PID__"', String(Deno.pid)),
);

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

const server = Deno.serve({ path: socketPath, onListen: () => console.log("listening") }, (req) => {
  const url = new URL(req.url);
  console.log(`${req.method} ${url.pathname}${url.search}`);
  let path = url.pathname.replace(/^\/v[0-9.]+/, "");
  let body = api[path];
  if (path === "/volumes" && body && url.searchParams.get("filters")) {
    const volumes = (body as Record<string, Json>).Volumes;
    body = { ...(body as Record<string, Json>), Volumes: applyFilters(volumes, url.searchParams.get("filters")) };
    path = "";
  } else body = applyFilters(body, url.searchParams.get("filters"));
  if (body === undefined) return new Response(JSON.stringify({ message: "page not found" }), { status: 404 });
  return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
});
Deno.addSignalListener("SIGTERM", () => server.shutdown());
