/**
 * File digests for the `hash` table: streamed in fixed-size chunks (a file is never held in memory
 * whole), only the algorithms a query uses, and remembered per path until the file's inode, mtime
 * or size changes, in a least-recently-used cache of `--hash_cache_max` entries (osquery's flag).
 *
 * @module
 */
import { type DigestAlgorithm, type FileDigests, HashCancelledError, hashFileSync } from "../../core/host/hash.ts";
import { defineFlag, flags } from "../../core/flags/flags.ts";
import { readMax as readMaxFlag } from "../../core/host/files.ts";
import { stat } from "../../core/host/statx.ts";

defineFlag({
  name: "hash_cache_max",
  type: "uint32",
  default: 500,
  description: "Most file digests kept in the in-memory hash cache",
});
defineFlag({
  name: "disable_hash_cache",
  type: "bool",
  default: false,
  description: "Recompute file digests on every query instead of caching them by inode, mtime and size",
});

/** The digest algorithms the `hash` table offers, by column name (core/host/hash.ts's). */
export type Algorithm = DigestAlgorithm;
/** Hex digests by algorithm; an algorithm absent was not computed. */
export type Digests = FileDigests;

interface CacheEntry {
  ino: number;
  mtimeMs: number;
  size: number;
  digests: Digests;
}

/** A bounded LRU of digests keyed by path and validated by inode, mtime and size. */
export class HashCache {
  readonly #entries = new Map<string, CacheEntry>();
  /** Files actually read since creation (for tests and benchmarks). */
  reads = 0;

  /** Number of cached paths. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The digests of `algorithms` for `path`. Empty strings when the file cannot be read or is
   * larger than `--read_max`, as osquery reports them.
   */
  digests(
    path: string,
    algorithms: Algorithm[],
    max = flags.number("hash_cache_max"),
    stop?: () => boolean,
  ): Digests {
    const info = stat(path);
    if (!info) return Object.fromEntries(algorithms.map((a) => [a, ""]));
    const useCache = !flags.bool("disable_hash_cache") && max > 0;
    // Nanosecond mtimes catch rewrites within the same second that keep the size.
    const mtimeMs = info.mtime * 1000 + info.mtimeNsec / 1e6;
    let entry = useCache ? this.#entries.get(path) : undefined;
    if (entry && (entry.ino !== info.ino || entry.mtimeMs !== mtimeMs || entry.size !== info.size)) {
      entry = undefined;
      this.#entries.delete(path);
    }
    const missing = algorithms.filter((a) => entry?.digests[a] === undefined);
    if (missing.length > 0) {
      this.reads++;
      let computed: Digests;
      try {
        computed = hashFile(path, missing, info.size, stop);
      } catch (err) {
        // An interrupted query: nothing is cached, the engine ends the scan at the next row.
        if (err instanceof HashCancelledError) return Object.fromEntries(algorithms.map((a) => [a, ""]));
        throw err;
      }
      entry = { ino: info.ino, mtimeMs, size: info.size, digests: { ...entry?.digests, ...computed } };
    }
    if (useCache && entry) {
      this.#entries.delete(path);
      this.#entries.set(path, entry);
      while (this.#entries.size > max) this.#entries.delete(this.#entries.keys().next().value!);
    }
    const out: Digests = {};
    for (const a of algorithms) out[a] = entry?.digests[a] ?? "";
    return out;
  }

  /** Forgets every entry. */
  clear(): void {
    this.#entries.clear();
  }
}

/** The process-wide cache the `hash` table uses. */
export const hashCache: HashCache = new HashCache();

/**
 * Streams `path` through each algorithm (core/host/hash.ts: the thread's one buffer, never blocking);
 * empty digests when it cannot be read, is not a regular file, or exceeds `--read_max`. Throws
 * HashCancelledError once `stop` returns true (an interrupted query).
 */
export function hashFile(path: string, algorithms: Algorithm[], sizeHint?: number, stop?: () => boolean): Digests {
  const empty = Object.fromEntries(algorithms.map((a) => [a, ""])) as Digests;
  const readMax = readMaxFlag();
  if (sizeHint !== undefined && sizeHint > readMax) return empty;
  try {
    return hashFileSync(path, algorithms, { readMax, stop });
  } catch (err) {
    if (err instanceof HashCancelledError) throw err;
    return empty;
  }
}
