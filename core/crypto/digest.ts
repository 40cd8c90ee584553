/**
 * MD5, SHA-1 and SHA-256 of a byte stream, in hex, through libcrypto's EVP digests over Deno FFI
 * (the library osquery hashes with), with each algorithm fetched once and one context per
 * algorithm reused for every file a thread hashes. A file event hashes a small file three ways:
 * node:crypto builds three Hash objects (each a stream object) and three hex strings through ops
 * per file, ~7 µs more per file than these calls, and the garbage keeps V8's collector busy
 * during a burst of file events. Without libcrypto the same interface runs on node:crypto (loaded
 * only then).
 *
 * @example
 * ```ts
 * import { Digests } from "./digest.ts";
 * const digests = new Digests(["md5", "sha256"]);
 * digests.begin();
 * digests.update(new TextEncoder().encode("abc"));
 * const hex = digests.end();
 * if (hex.md5 !== "900150983cd24fb0d6963f7d28e17f72") throw new Error("wrong MD5");
 * ```
 *
 * @module
 */
import type { Hash } from "node:crypto";
import { nodeCrypto } from "../runtime/node_builtins.ts";
import { libcrypto, type LibcryptoSymbols } from "./libcrypto.ts";
import { hex } from "./hex.ts";

/** Digest algorithms osquery reports. */
export type DigestAlgorithm = "md5" | "sha1" | "sha256";

/** Hex digests by algorithm; an algorithm absent was not computed. */
export type FileDigests = Partial<Record<DigestAlgorithm, string>>;

/** OpenSSL's names and digest sizes of the algorithms. */
const EVP: Record<DigestAlgorithm, { name: string; size: number }> = {
  md5: { name: "MD5", size: 16 },
  sha1: { name: "SHA1", size: 20 },
  sha256: { name: "SHA256", size: 32 },
};

/** libcrypto and its digest methods, fetched once per thread; null when libcrypto is missing. */
let evp: { lib: LibcryptoSymbols; md: Map<DigestAlgorithm, Deno.PointerObject> } | null | undefined;

function loadEvp(): typeof evp {
  if (evp !== undefined) return evp;
  evp = null;
  let lib: LibcryptoSymbols;
  try {
    lib = libcrypto();
  } catch {
    // No libcrypto here (LibcryptoUnavailableError): node:crypto digests instead.
    return evp;
  }
  const md = new Map<DigestAlgorithm, Deno.PointerObject>();
  for (const [algorithm, { name }] of Object.entries(EVP) as [DigestAlgorithm, { name: string }][]) {
    const method = lib.EVP_MD_fetch(null, new TextEncoder().encode(name + "\0"), null);
    // A library built without an algorithm (FIPS-only MD5) falls back to node:crypto.
    if (method === null) return evp;
    md.set(algorithm, method);
  }
  evp = { lib, md };
  return evp;
}

const out = new Uint8Array(64);

/**
 * Digests of one stream at a time for a fixed set of algorithms: {@linkcode Digests.begin},
 * {@linkcode Digests.update} per chunk, {@linkcode Digests.end}; reusable after `end`. Its
 * libcrypto contexts live as long as the thread (they are not freed): keep instances for reuse,
 * one per set of algorithms, instead of creating one per stream.
 */
export class Digests {
  readonly #algorithms: readonly DigestAlgorithm[];
  readonly #evp: NonNullable<typeof evp> | undefined;
  readonly #contexts: { algorithm: DigestAlgorithm; md: Deno.PointerObject; ctx: Deno.PointerObject }[];
  #node: Hash[] = [];

  /** Digests for `algorithms`, through libcrypto when it loads, else node:crypto. */
  constructor(algorithms: readonly DigestAlgorithm[], options: { libcrypto?: boolean } = {}) {
    this.#algorithms = algorithms;
    this.#evp = options.libcrypto === false ? undefined : loadEvp() ?? undefined;
    const lib = this.#evp?.lib;
    this.#contexts = [];
    for (const algorithm of lib ? algorithms : []) {
      const ctx = lib!.EVP_MD_CTX_new();
      if (ctx === null) throw new Error("libcrypto could not allocate a digest context (out of memory)");
      this.#contexts.push({ algorithm, md: this.#evp!.md.get(algorithm)!, ctx });
    }
  }

  /** True when the digests are libcrypto's (else node:crypto's). */
  get native(): boolean {
    return this.#evp !== undefined;
  }

  /** Starts a new stream (forgetting any unfinished one). */
  begin(): void {
    if (!this.#evp) {
      const crypto = nodeCrypto();
      this.#node = this.#algorithms.map((a) => crypto.createHash(a));
      return;
    }
    for (const c of this.#contexts) {
      if (this.#evp.lib.EVP_DigestInit_ex2(c.ctx, c.md, null) !== 1) throw new Error(`${c.algorithm}: init failed`);
    }
  }

  /** Adds `chunk` to every digest. */
  update(chunk: Uint8Array): void {
    if (!this.#evp) {
      for (const h of this.#node) h.update(chunk);
      return;
    }
    if (chunk.length === 0) return;
    const length = BigInt(chunk.length);
    for (const c of this.#contexts) {
      if (this.#evp.lib.EVP_DigestUpdate(c.ctx, chunk, length) !== 1) {
        throw new Error(`${c.algorithm}: update failed`);
      }
    }
  }

  /** The hex digests of the stream since {@linkcode Digests.begin}. */
  end(): FileDigests {
    const digests: FileDigests = {};
    if (!this.#evp) {
      this.#algorithms.forEach((a, i) => (digests[a] = this.#node[i].digest("hex")));
      this.#node = [];
      return digests;
    }
    for (const c of this.#contexts) {
      if (this.#evp.lib.EVP_DigestFinal_ex(c.ctx, out, null) !== 1) throw new Error(`${c.algorithm}: final failed`);
      digests[c.algorithm] = hex(out.subarray(0, EVP[c.algorithm].size));
    }
    return digests;
  }
}
