/**
 * File digests computed by streaming the file in chunks (never reading it whole), for the
 * `hash` table and file events.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** Digest algorithms osquery reports. */
export type DigestAlgorithm = "md5" | "sha1" | "sha256";

const CHUNK = 1 << 20;

/**
 * Hex digests of a file for the requested algorithms, in one pass. Throws the filesystem error
 * when the file cannot be read.
 */
export function hashFileSync(
  path: string,
  algorithms: readonly DigestAlgorithm[],
): Partial<Record<DigestAlgorithm, string>> {
  const hashes = algorithms.map((a) => [a, createHash(a)] as const);
  const file = Deno.openSync(path, { read: true });
  try {
    const buf = new Uint8Array(CHUNK);
    for (;;) {
      const n = file.readSync(buf);
      if (n === null || n === 0) break;
      const chunk = buf.subarray(0, n);
      for (const [, h] of hashes) h.update(chunk);
    }
  } finally {
    file.close();
  }
  return Object.fromEntries(hashes.map(([a, h]) => [a, h.digest("hex")]));
}
