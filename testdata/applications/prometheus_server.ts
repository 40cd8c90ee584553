/**
 * A stand-in Prometheus target for the prometheus_metrics tests, run in a Worker (the table
 * blocks the thread that queries it). Serves metrics.txt at /metrics, a redirect at /moved, an
 * error at /broken and a response slower than any test timeout at /slow. Post anything to start;
 * the worker answers `{ port }`.
 */
/// <reference lib="deno.worker" />

const metrics = Deno.readTextFileSync(new URL("./metrics.txt", import.meta.url));

function handler(request: Request): Response | Promise<Response> {
  switch (new URL(request.url).pathname) {
    case "/metrics":
      return new Response(metrics, { headers: { "content-type": "text/plain; version=0.0.4" } });
    case "/moved":
      return new Response(null, { status: 302, headers: { location: "/metrics" } });
    case "/slow":
      return new Promise((resolve) => setTimeout(() => resolve(new Response("late 1\n")), 3_000));
    default:
      return new Response("nope 1\n", { status: 500 });
  }
}

self.onmessage = () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  self.postMessage({ port: server.addr.port });
};
