/**
 * Bytes as lowercase hex, for digests, key ids and signatures. Written into a byte buffer and
 * decoded once: one flat string, where appending two-digit pieces builds a rope of short
 * strings (a file event hashes three digests, so this runs on a hot path).
 *
 * @example
 * ```ts
 * import { hex } from "./hex.ts";
 * if (hex(new Uint8Array([0, 171, 255]), ":") !== "00:ab:ff") throw new Error("wrong hex");
 * ```
 *
 * @module
 */

const DIGITS = new TextEncoder().encode("0123456789abcdef");
const SEPARATED = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
/** Reused for digests and key ids (up to 64 bytes); longer input gets a buffer of its own. */
const scratch = new Uint8Array(128);
// ASCII is UTF-8: Deno's UTF-8 decode is a fast call, its latin1 decode a slower generic op.
const decoder = new TextDecoder();

/** `bytes` as lowercase hex, two digits a byte, joined by `separator`. */
export function hex(bytes: Uint8Array, separator = ""): string {
  if (separator) return Array.from(bytes, (b) => SEPARATED[b]).join(separator);
  const out = bytes.length * 2 <= scratch.length ? scratch : new Uint8Array(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) {
    out[2 * i] = DIGITS[bytes[i] >> 4];
    out[2 * i + 1] = DIGITS[bytes[i] & 15];
  }
  return decoder.decode(out.subarray(0, bytes.length * 2));
}
