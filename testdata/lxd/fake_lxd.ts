/**
 * A stand-in LXD daemon for tests: serves recorded REST API answers (api.json, keyed by path) on a
 * UNIX socket in LXD's sync-response envelope, answers unknown paths with LXD's 404 error envelope,
 * and logs each request line to stdout.
 *
 * Usage: deno run -A fake_lxd.ts SOCKET_PATH
 */
import { jsonResponse, loadRecordedAnswers, serveFakeUnixHttp } from "../../testing/fake_unix_http_daemon.ts";

const api = loadRecordedAnswers(new URL("./api.json", import.meta.url));

serveFakeUnixHttp((_req, url) => {
  const path = decodeURIComponent(url.pathname);
  if (path === "/garbage") return jsonResponse("{not json");
  const metadata = api[path];
  if (metadata === undefined) {
    return jsonResponse(JSON.stringify({ type: "error", error: "not found", error_code: 404, metadata: null }), 404);
  }
  const envelope = { type: "sync", status: "Success", status_code: 200, operation: "", metadata };
  // "__BEYOND_2_53__" stands for a counter JSON numbers cannot carry exactly through JSON.parse here.
  return jsonResponse(JSON.stringify(envelope).replaceAll('"__BEYOND_2_53__"', "9007199254740993"));
}, { requestLine: (req, url) => `${req.method} ${decodeURIComponent(url.pathname)}` });
