/**
 * The daemon half of the stand-in HTTP daemons on a UNIX socket (see `fake_unix_http.ts` for the
 * test half): what a daemon script in `testdata/<area>/` uses to serve its recorded answers. It
 * prints `listening` once it accepts connections, then one line per request (and `sync N` for the
 * test half's {@linkcode SYNC_PATH} requests).
 *
 * @module
 */

/** JSON as recorded answers hold it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Reads recorded answers (a JSON object keyed by request path) from `url`, after replacing each
 * `"placeholder"` string of `replacements` with its raw JSON text (a live pid, a number beyond 2^53).
 */
export function loadRecordedAnswers(url: URL, replacements: Record<string, string> = {}): Record<string, Json> {
  let text = Deno.readTextFileSync(url);
  for (const [placeholder, value] of Object.entries(replacements)) text = text.replaceAll(`"${placeholder}"`, value);
  return JSON.parse(text);
}

/** A JSON answer with the given status. */
export function jsonResponse(body: string, status = 200): Response {
  return new Response(body, { status, headers: { "content-type": "application/json" } });
}

/** The path the test half requests to learn that the request log it holds is complete. */
export const SYNC_PATH = "/__osq_test_sync";

/** Options for {@linkcode serveFakeUnixHttp}. */
export interface FakeUnixHttpOptions {
  /** The line logged for a request; default `METHOD /path?query`. */
  requestLine?: (request: Request, url: URL) => string;
}

/**
 * Serves `handler` on the UNIX socket named by the script's first argument, prints `listening`
 * when ready and a line per request, and shuts down on SIGTERM. Call it from a daemon script.
 */
export function serveFakeUnixHttp(
  handler: (request: Request, url: URL) => Response,
  options: FakeUnixHttpOptions = {},
): void {
  const [socketPath] = Deno.args;
  const requestLine = options.requestLine ?? ((request, url) => `${request.method} ${url.pathname}${url.search}`);
  const server = Deno.serve({ path: socketPath, onListen: () => console.log("listening") }, (request) => {
    const url = new URL(request.url);
    if (url.pathname === SYNC_PATH) {
      // The test's marker: every request line printed before it has reached the test's log.
      console.log(`sync ${url.search.slice(1)}`);
      return new Response("ok");
    }
    console.log(requestLine(request, url));
    return handler(request, url);
  });
  Deno.addSignalListener("SIGTERM", () => server.shutdown());
}
