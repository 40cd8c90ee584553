/**
 * Reading an HTTP answer's body with a bound on memory: a server (or something posing as one)
 * that declares or streams more than the cap is cut off instead of filling the daemon's heap.
 *
 * @example
 * ```ts
 * import { readCapped, ResponseTooLargeError } from "./read_capped.ts";
 *
 * const text = await readCapped(new Response("hello"), 1024);
 * if (text !== "hello") throw new Error("unexpected body");
 * const refused = await readCapped(new Response("x".repeat(2048)), 1024).catch((e) => e);
 * if (!(refused instanceof ResponseTooLargeError)) throw new Error("expected a refusal");
 * ```
 *
 * @module
 */

/** An answer larger than the reader's cap; `detail` says whether it was declared or read. */
export class ResponseTooLargeError extends Error {
  constructor(readonly cap: number, readonly detail: string) {
    super(`the answer exceeds the ${cap} bytes it may have (${detail})`);
    this.name = "ResponseTooLargeError";
  }
}

/**
 * Reads `response`'s body as UTF-8 text, holding at most `cap` bytes: a declared Content-Length
 * over the cap fails before any body is read, and a body that grows past it (no length, chunked,
 * or endless) fails as soon as it does, its stream cancelled so that the connection is dropped.
 */
export async function readCapped(response: Response, cap: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > cap) {
    await response.body?.cancel().catch(() => {});
    throw new ResponseTooLargeError(cap, `it declared ${declared} bytes`);
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel().catch(() => {});
      throw new ResponseTooLargeError(cap, `reading stopped after ${size} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
