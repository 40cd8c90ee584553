/**
 * File digests computed by streaming the file in chunks (never reading it whole), for the
 * `hash` table and file events.
 *
 * One read buffer per thread: module state is per isolate, so each query thread and the main
 * thread reuse their own 1 MiB buffer instead of allocating one per file (the allocation cost
 * more than hashing a small file). Files are opened non-blocking and checked with fstat(2) on
 * the opened descriptor: character devices, FIFOs and sockets are skipped as osquery skips
 * them, and a regular-looking file whose read would block (`/proc/kmsg`) ends the read instead
 * of hanging the query. The digests are libcrypto's, with contexts reused per thread
 * (core/crypto/digest.ts).
 *
 * @module
 */
import { type DigestAlgorithm, Digests, type FileDigests } from "../crypto/digest.ts";
import { EAGAIN, EINTR, errno, errorMessage, S_IFMT, S_IFREG, tryLibc } from "./libc.ts";
import { openNonBlocking } from "./open_nonblocking.ts";

export type { DigestAlgorithm, FileDigests };

/** Why a file was not hashed. */
export class HashSkippedError extends Error {
  /** Builds the error for `path`; `reason` says what to do or why it is skipped. */
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = "HashSkippedError";
  }
}

/** The query that asked for the digests was interrupted: the file was not read to its end. */
export class HashCancelledError extends Error {
  /** Builds the error for `path`. */
  constructor(path: string) {
    super(`${path}: hashing stopped, the query was interrupted`);
    this.name = "HashCancelledError";
  }
}

const CHUNK = 1 << 20;

let buffer: Uint8Array<ArrayBuffer> | undefined;

/** This thread's read buffer, allocated once on first use. */
function readBuffer(): Uint8Array<ArrayBuffer> {
  return buffer ??= new Uint8Array(new ArrayBuffer(CHUNK));
}

/** This thread's digests, one per set of algorithms asked for (their contexts are reused). */
const digestsBySet = new Map<string, Digests>();

/** The last set asked for: callers hashing many files pass the same array each time. */
let last: { algorithms: readonly DigestAlgorithm[]; digests: Digests } | undefined;

function digestsFor(algorithms: readonly DigestAlgorithm[]): Digests {
  if (last?.algorithms === algorithms) return last.digests;
  const key = algorithms.join();
  let digests = digestsBySet.get(key);
  if (!digests) digestsBySet.set(key, digests = new Digests(algorithms));
  last = { algorithms, digests };
  return digests;
}

/** Options of {@linkcode hashFileSync}. */
export interface HashOptions {
  /** Largest number of bytes to read; a larger file throws {@linkcode HashSkippedError}. */
  readMax?: number;
  /**
   * Polled between chunks (1 MiB, a few milliseconds each); once it returns true the read stops
   * with {@linkcode HashCancelledError}, so an interrupted query does not wait for a large file.
   */
  stop?: () => boolean;
}

/**
 * Hex digests of a file for the requested algorithms, in one pass. Throws the filesystem error
 * when the file cannot be opened, and {@linkcode HashSkippedError} for a file that is not a
 * regular file (device, FIFO, socket, directory), whose read would block, or that is larger than
 * `readMax`.
 */
export function hashFileSync(
  path: string,
  algorithms: readonly DigestAlgorithm[],
  options: HashOptions = {},
): FileDigests {
  const readMax = options.readMax ?? Infinity;
  const c = tryLibc();
  const digests = digestsFor(algorithms);
  digests.begin();
  const buf = readBuffer();
  let total = 0;
  const stop = options.stop;
  const feed = (n: number) => {
    if (stop?.()) throw new HashCancelledError(path);
    total += n;
    if (total > readMax) throw new HashSkippedError(path, `larger than --read_max (${readMax} bytes)`);
    digests.update(buf.subarray(0, n));
  };
  if (c) {
    const { fd, mode, size } = openNonBlocking(c, path);
    try {
      checkStat(path, mode, size, readMax);
      for (;;) {
        const n = Number(c.read(fd, buf, BigInt(CHUNK)));
        if (n < 0) {
          const code = errno();
          if (code === EINTR) continue;
          if (code === EAGAIN) {
            throw new HashSkippedError(path, "reading would block (a kernel message or stream file)");
          }
          throw new Error(`${path}: ${errorMessage(code)}`);
        }
        if (n === 0) break;
        feed(n);
      }
    } finally {
      c.close(fd);
    }
  } else {
    // Without libc there is no non-blocking open: check the type first, then read.
    const info = Deno.statSync(path);
    checkStat(path, info.isFile ? S_IFREG : 0, info.size, readMax);
    const file = Deno.openSync(path, { read: true });
    try {
      for (;;) {
        const n = file.readSync(buf);
        if (n === null || n === 0) break;
        feed(n);
      }
    } finally {
      file.close();
    }
  }
  return digests.end();
}

function checkStat(path: string, mode: number, size: number, readMax: number): void {
  if ((mode & S_IFMT) !== S_IFREG) {
    throw new HashSkippedError(path, "not a regular file; devices, FIFOs and sockets are not read");
  }
  if (size > readMax) throw new HashSkippedError(path, `larger than --read_max (${readMax} bytes)`);
}
