/**
 * A loopback HTTP(S) server for the curl tests, run in a Worker: table generators block the
 * thread that calls them, so the server needs an event loop of its own. Post `{ cert?, key? }`;
 * the worker answers `{ port }` once it listens on 127.0.0.1.
 *
 * @module
 */

/// <reference lib="deno.worker" />

function handler(request: Request): Response | Promise<Response> {
  const url = new URL(request.url);
  switch (url.pathname) {
    case "/":
      return new Response("hello from osq");
    case "/ua":
      return new Response(request.headers.get("user-agent") ?? "");
    case "/redirect":
      return new Response(null, { status: 302, headers: { location: "/" } });
    case "/count":
      hits++;
      return new Response(String(hits));
    case "/hits":
      return new Response(String(hits));
    case "/slow":
      return new Promise((resolve) => setTimeout(() => resolve(new Response("late")), 3_000));
    case "/utf8":
      return new Response("grüße ✓");
    default:
      return new Response("nope", { status: 404 });
  }
}

let hits = 0;

self.onmessage = (event: MessageEvent<{ cert?: string; key?: string }>) => {
  const { cert, key } = event.data;
  const options = cert && key ? { cert, key } : {};
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {}, ...options }, handler);
  self.postMessage({ port: server.addr.port });
};
