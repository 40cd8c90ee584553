/**
 * A stand-in LXD daemon for tests: serves recorded REST API answers (api.json, keyed by path) on a
 * UNIX socket in LXD's sync-response envelope, answers unknown paths with LXD's 404 error envelope,
 * and logs each request line to stdout.
 *
 * Usage: deno run -A fake_lxd.ts SOCKET_PATH
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const [socketPath] = Deno.args;
const api: Record<string, Json> = JSON.parse(Deno.readTextFileSync(new URL("./api.json", import.meta.url)));

const server = Deno.serve({ path: socketPath, onListen: () => console.log("listening") }, (req) => {
  const url = new URL(req.url);
  const path = decodeURIComponent(url.pathname);
  console.log(`${req.method} ${path}`);
  if (path === "/garbage") return new Response("{not json", { headers: { "content-type": "application/json" } });
  const metadata = api[path];
  if (metadata === undefined) {
    return new Response(JSON.stringify({ type: "error", error: "not found", error_code: 404, metadata: null }), {
      status: 404,
      headers: { "content-type": "application/json" },
    });
  }
  const envelope = { type: "sync", status: "Success", status_code: 200, operation: "", metadata };
  // "__BEYOND_2_53__" stands for a counter JSON numbers cannot carry exactly through JSON.parse here.
  const body = JSON.stringify(envelope).replaceAll('"__BEYOND_2_53__"', "9007199254740993");
  return new Response(body, { headers: { "content-type": "application/json" } });
});
Deno.addSignalListener("SIGTERM", () => server.shutdown());
