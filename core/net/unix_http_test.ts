import { parseHttpResponse, UnixHttpError, unixHttpGet } from "./unix_http.ts";
import { assertEquals, assertThrows } from "../../testing/assert.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("unix_http: parses identity and chunked bodies with their status and headers", () => {
  const plain = parseHttpResponse(bytes('HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{"a":1}'));
  assertEquals(plain.status, 200);
  assertEquals(plain.headers.get("content-type"), "application/json");
  assertEquals(new TextDecoder().decode(plain.body), '{"a":1}');
  const chunked = parseHttpResponse(
    bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"),
  );
  assertEquals(new TextDecoder().decode(chunked.body), "abcde");
});

Deno.test("unix_http: malformed and truncated answers are errors, not crashes", () => {
  assertThrows(() => parseHttpResponse(bytes("garbage")), UnixHttpError, "no end of headers");
  assertThrows(() => parseHttpResponse(bytes("SPDY/9 200\r\n\r\n")), UnixHttpError, "status line");
  assertThrows(
    () => parseHttpResponse(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\nabc")),
    UnixHttpError,
    "Truncated",
  );
});

Deno.test("unix_http: a missing socket is a clear error naming it", () => {
  assertThrows(() => unixHttpGet("/nonexistent/x.sock", "/"), UnixHttpError, "Cannot connect to /nonexistent/x.sock");
});
