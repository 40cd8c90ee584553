/**
 * A stand-in cloud metadata service for the cloud table tests, run in a Worker (table generators
 * block the thread that calls them, so the server needs an event loop of its own). It serves the
 * recorded answers in answers.json on 127.0.0.1, enforces EC2's IMDSv2 token and Azure's and Yandex
 * Cloud's metadata headers as the real services do, stands in for EC2's DescribeTags API at `/`,
 * and records every request.
 *
 * Messages in: `{ start: { imdsv2?: "required" | "optional" | "absent" | "denied" } }` → `{ port }`;
 * `{ log: true }` → `{ requests }`.
 */
/// <reference lib="deno.worker" />
import type { LoggedRequest as Logged } from "./logged_request.ts";

interface Answers {
  ec2: Record<string, string>;
  azure: string;
  ycloud: string;
  describeTags: string;
}

const answers: Answers = JSON.parse(Deno.readTextFileSync(new URL("./answers.json", import.meta.url)));
const TOKEN = "AQAEAJ-recorded-session-token==";
const requests: Logged[] = [];
let imdsv2: "required" | "optional" | "absent" | "denied" = "required";

function handler(request: Request): Response {
  const url = new URL(request.url);
  const h = request.headers;
  requests.push({
    method: request.method,
    path: url.pathname + url.search,
    token: h.get("x-aws-ec2-metadata-token"),
    ttl: h.get("x-aws-ec2-metadata-token-ttl-seconds"),
    metadata: h.get("metadata"),
    flavor: h.get("metadata-flavor"),
    authorization: h.get("authorization"),
    securityToken: h.get("x-amz-security-token"),
  });
  // "denied": something answers at the address, but only with errors (a proxy, a firewall page).
  if (imdsv2 === "denied" && url.pathname.startsWith("/latest/")) return new Response("Forbidden", { status: 403 });
  if (url.pathname === "/latest/api/token") {
    if (imdsv2 === "absent") return new Response("Not Found", { status: 404 });
    if (request.method !== "PUT") return new Response("", { status: 405 });
    if (!h.get("x-aws-ec2-metadata-token-ttl-seconds")) return new Response("", { status: 400 });
    return new Response(TOKEN);
  }
  if (url.pathname.startsWith("/latest/")) {
    const token = h.get("x-aws-ec2-metadata-token");
    if (token === null && imdsv2 === "required") return new Response("", { status: 401 });
    if (token !== null && token !== TOKEN) return new Response("", { status: 401 });
    const body = answers.ec2[url.pathname.slice("/latest/".length)];
    return body === undefined ? new Response("Not Found", { status: 404 }) : new Response(body);
  }
  if (url.pathname === "/metadata/instance/compute") {
    if (h.get("metadata") !== "true") return new Response('{"error":"Bad request"}', { status: 400 });
    if (url.searchParams.get("api-version") !== "2018-02-01") return new Response("", { status: 400 });
    return new Response(answers.azure, { headers: { "content-type": "application/json" } });
  }
  if (url.pathname === "/computeMetadata/v1/instance/") {
    if (h.get("metadata-flavor") !== "Google") return new Response("", { status: 403 });
    if (url.searchParams.get("recursive") !== "true") return new Response("", { status: 400 });
    return new Response(answers.ycloud, { headers: { "content-type": "application/json" } });
  }
  if (url.pathname === "/" && url.searchParams.get("Action") === "DescribeTags") {
    // The EC2 API stand-in: a signed request for this instance's tags.
    const auth = h.get("authorization") ?? "";
    if (!auth.startsWith("AWS4-HMAC-SHA256 Credential=") || !h.get("x-amz-date")) {
      return new Response("<Response><Errors><Error><Code>AuthFailure</Code></Error></Errors></Response>", {
        status: 401,
      });
    }
    if (url.searchParams.get("Filter.1.Name") !== "resource-id") return new Response("", { status: 400 });
    return new Response(answers.describeTags, { headers: { "content-type": "text/xml" } });
  }
  return new Response("Not Found", { status: 404 });
}

self.onmessage = (event: MessageEvent<{ start?: { imdsv2?: "required" | "optional" | "absent" | "denied" }; log?: boolean }>) => {
  if (event.data.start) {
    imdsv2 = event.data.start.imdsv2 ?? "required";
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
    self.postMessage({ port: server.addr.port });
  } else if (event.data.log) {
    self.postMessage({ requests: requests.splice(0) });
  }
};
