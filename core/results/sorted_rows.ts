/**
 * A differential query's rows in the form the chunked diff (core/results/chunked_rows.ts) walks:
 * every canonical row's UTF-8 bytes, each followed by "\n", in one buffer in the query's order,
 * with their order by (hash of the bytes, bytes) beside it. Rows of a query thread travel to the
 * daemon's thread as these four buffers (transferred, not copied), so neither thread holds the
 * rows as a million small strings, nor a second, sorted copy of them.
 *
 * Canonical rows never hold a raw newline (JSON escapes it), so "\n" ends a row unambiguously.
 *
 * @module
 */
import { orderByHash } from "../sqlite/row_batch.ts";

/** Rows with their order by (hash, bytes); see the module doc. */
export interface SortedRows {
  count: number;
  /** UTF-8 of the rows in the query's order, each followed by "\n". */
  bytes: Uint8Array;
  /** Start of row i (query order) in `bytes`, and `bytes.length` last (count + 1 entries). */
  starts: Uint32Array;
  /** The rows by (hash, bytes): sorted place k holds row `order[k]`. */
  order: Uint32Array;
  /** {@linkcode rowHash} of the row at each sorted place. */
  hashes: Uint32Array;
}

/** FNV-1a (32 bits) over `bytes[start, end)`: the order rows are stored and diffed in. */
export function rowHash(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Compares `a[as, ae)` with `b[bs, be)` bytewise (negative, zero, positive). */
export function compareBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let i = 0; i < n; i++) {
    const d = a[as + i] - b[bs + i];
    if (d !== 0) return d;
  }
  return (ae - as) - (be - bs);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Raised when a result is larger than one buffer of rows may be. */
export class ResultTooLargeError extends Error {
  constructor() {
    super(
      `The query returns more than ${MAX_ROWS} rows or ${MAX_BYTES} bytes of them, more than a scheduled ` +
        "differential query may; narrow it with a WHERE clause or a LIMIT, or schedule it as a snapshot.",
    );
    this.name = "ResultTooLargeError";
  }
}

/**
 * Bytes of one result's rows, and its rows, at most: the address space a builder reserves
 * (pages are committed only as rows fill them).
 */
const MAX_BYTES = 2 ** 30;
const MAX_ROWS = 2 ** 26;

/**
 * Buffers that grow in place: address space is reserved up front and pages are committed as
 * they are touched, so growing never holds an old and a new copy at once.
 */
function growable(maxBytes: number): ArrayBuffer {
  return new ArrayBuffer(0, { maxByteLength: maxBytes });
}

/**
 * A builder's buffers start as plain buffers of the heap (up to this size, grown by copying)
 * and move to a reservation of the largest size only when a result outgrows it. Most scheduled
 * results are a few KiB: a reservation per buffer and run is a mapping of its own that comes
 * and goes, which cost such a run ~0.3-0.7 ms (reserving, then giving back 1 GiB ranges), and
 * made the daemon's own rows of `process_memory_map` change every run (~175 of its lines a
 * round of the osquery packs every 10 s).
 */
const PLAIN_MAX = 1 << 16;

/** `buffer` with room for `bytes`: the same, grown in place, or its content moved to a larger one. */
function ensure(buffer: ArrayBuffer, bytes: number, maxBytes: number): ArrayBuffer {
  if (bytes <= buffer.byteLength) return buffer;
  if (bytes > maxBytes) throw new ResultTooLargeError();
  if (buffer.resizable && bytes <= buffer.maxByteLength) {
    buffer.resize(Math.min(buffer.maxByteLength, Math.max(bytes, Math.ceil(buffer.byteLength * 1.25), 1 << 16)));
    return buffer;
  }
  const next = bytes <= PLAIN_MAX
    ? new ArrayBuffer(Math.min(PLAIN_MAX, Math.max(bytes, buffer.byteLength * 2, 1 << 12)))
    : growable(maxBytes);
  if (next.resizable) next.resize(Math.min(maxBytes, Math.max(bytes, Math.ceil(buffer.byteLength * 1.25), 1 << 16)));
  new Uint8Array(next).set(new Uint8Array(buffer));
  return next;
}

/**
 * Collects rows as they are produced (encoded at once, so no array of strings builds up) and
 * orders them at the end ({@linkcode SortedRowsBuilder.finish}). `reset()` drops the rows so far
 * (only the last statement with result columns counts).
 */
export class SortedRowsBuilder {
  #buffer = new ArrayBuffer(0);
  #bytes = new Uint8Array(this.#buffer);
  #startsBuffer = new ArrayBuffer(0);
  #starts = new Uint32Array(this.#startsBuffer);
  #hashesBuffer = new ArrayBuffer(0);
  #hashes = new Uint32Array(this.#hashesBuffer);
  #used = 0;
  #count = 0;

  /** Room for `bytes` more bytes and `rows` more rows. */
  #room(bytes: number, rows: number): void {
    const buffer = ensure(this.#buffer, this.#used + bytes, MAX_BYTES);
    if (buffer !== this.#buffer) this.#bytes = new Uint8Array(this.#buffer = buffer);
    const starts = ensure(this.#startsBuffer, (this.#count + rows + 1) * 4, 4 * (MAX_ROWS + 1));
    if (starts !== this.#startsBuffer) this.#starts = new Uint32Array(this.#startsBuffer = starts);
    const hashes = ensure(this.#hashesBuffer, (this.#count + rows) * 4, 4 * MAX_ROWS);
    if (hashes !== this.#hashesBuffer) this.#hashes = new Uint32Array(this.#hashesBuffer = hashes);
  }

  /** Adds one canonical row. */
  add(row: string): void {
    // Worst case 3 bytes per UTF-16 unit, plus the newline.
    this.#room(row.length * 3 + 1, 1);
    const start = this.#used;
    const { written } = encoder.encodeInto(row, this.#bytes.subarray(start));
    this.#hashes[this.#count] = rowHash(this.#bytes, start, start + written);
    this.#bytes[start + written] = 10;
    this.#starts[this.#count++] = start;
    this.#used = start + written + 1;
  }

  /** Adds one canonical row given as its UTF-8 bytes (copied at once). */
  addBytes(row: Uint8Array): void {
    const n = row.length;
    this.#room(n + 1, 1);
    const start = this.#used;
    this.#bytes.set(row, start);
    this.#hashes[this.#count] = rowHash(row, 0, n);
    this.#bytes[start + n] = 10;
    this.#starts[this.#count++] = start;
    this.#used = start + n + 1;
  }

  /**
   * Adds `rows` canonical rows at once: their UTF-8 bytes in `bytes`, each followed by "\n"
   * (row k ends, after its newline, at `ends[k]`), and their {@linkcode rowHash}es (copied at once).
   */
  addBatch(bytes: Uint8Array, ends: Uint32Array, hashes: Uint32Array, rows: number): void {
    const n = ends[rows - 1];
    this.#room(n, rows);
    const base = this.#used;
    this.#bytes.set(bytes.subarray(0, n), base);
    this.#hashes.set(hashes.subarray(0, rows), this.#count);
    const starts = this.#starts;
    let c = this.#count;
    starts[c++] = base;
    for (let k = 0; k < rows - 1; k++) starts[c++] = base + ends[k];
    this.#count = c;
    this.#used = base + n;
  }

  /** Forgets the rows added so far. */
  reset(): void {
    this.#used = 0;
    this.#count = 0;
  }

  /** Rows added. */
  get count(): number {
    return this.#count;
  }

  /**
   * The rows and their order (the builder is spent). The order is computed in native code where
   * it runs (core/sqlite/row_batch.ts's orderByHash) unless `native` is false.
   */
  finish(native = true): SortedRows {
    // starts[n] too (no row may have grown it).
    this.#room(0, 0);
    const n = this.#count;
    const bytes = this.#bytes;
    const starts = this.#starts;
    starts[n] = this.#used;
    const rowHashes = this.#hashes;
    // A small result is ordered here: the native sort and the radix sort each fill a 256 KiB
    // table of counts, ~0.1-0.3 ms a run, most of a small query's cost in the daemon.
    const sorted = native && n > SMALL_RESULT ? orderByHash(rowHashes, n) : undefined;
    const order = sorted ? sorted.order : n <= SMALL_RESULT ? comparedOrder(rowHashes, n) : radixOrder(rowHashes, n);
    let hashes = sorted?.sorted;
    if (!hashes) {
      hashes = new Uint32Array(n);
      for (let k = 0; k < n; k++) hashes[k] = rowHashes[order[k]];
    }
    // Equal hashes (duplicates, rare collisions) are ordered by their bytes: equal multisets of
    // rows then give equal stored buckets, whatever order the query returned them in.
    for (let i = 0; i < n;) {
      let j = i + 1;
      while (j < n && hashes[j] === hashes[i]) j++;
      if (j - i > 1) {
        const run = Array.from(order.subarray(i, j));
        // Compared without their newlines, as the diff compares them.
        run.sort((a, b) =>
          compareBytes(bytes, starts[a], starts[a + 1] - 1, bytes, starts[b], starts[b + 1] - 1) || a - b
        );
        order.set(run, i);
      }
      i = j;
    }
    // Give back the slack of a reservation (the buffers stay resizable; nothing grows them
    // again); a plain buffer keeps its (at most 64 KiB of) slack.
    if (this.#buffer.resizable) this.#buffer.resize(this.#used);
    if (this.#startsBuffer.resizable) this.#startsBuffer.resize((n + 1) * 4);
    this.#hashesBuffer = new ArrayBuffer(0);
    this.#hashes = new Uint32Array(this.#hashesBuffer);
    const out: SortedRows = {
      count: n,
      bytes: new Uint8Array(this.#buffer, 0, this.#used),
      starts: new Uint32Array(this.#startsBuffer, 0, n + 1),
      order,
      hashes,
    };
    this.#buffer = new ArrayBuffer(0);
    this.#bytes = new Uint8Array(this.#buffer);
    this.#startsBuffer = new ArrayBuffer(0);
    this.#starts = new Uint32Array(this.#startsBuffer);
    this.#used = 0;
    this.#count = 0;
    return out;
  }
}

/** Rows up to this many are ordered by {@linkcode comparedOrder}. */
const SMALL_RESULT = 512;

/** Indexes 0..n-1 ordered by `keys`, ties by index (the order radixOrder gives), by comparison. */
function comparedOrder(keys: Uint32Array, n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((a, b) => keys[a] - keys[b] || a - b);
}

/** Indexes 0..n-1 ordered by `keys` (stable LSD radix sort, two 16-bit passes). */
function radixOrder(keys: Uint32Array, n: number): Uint32Array {
  let from = new Uint32Array(n);
  for (let i = 0; i < n; i++) from[i] = i;
  let to = new Uint32Array(n);
  const counts = new Uint32Array(65537);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((keys[i] >>> shift) & 0xffff) + 1]++;
    for (let d = 0; d < 65536; d++) counts[d + 1] += counts[d];
    for (let k = 0; k < n; k++) {
      const i = from[k];
      to[counts[(keys[i] >>> shift) & 0xffff]++] = i;
    }
    [from, to] = [to, from];
  }
  return from;
}

/** Sorts rows already held as strings (runs on the daemon's own thread, tests). */
export function sortRows(rows: Iterable<string>): SortedRows {
  const builder = new SortedRowsBuilder();
  for (const row of rows) builder.add(row);
  return builder.finish();
}

/**
 * The rows' bytes in the query's order, each with its newline (a view, not a copy): equal bytes
 * mean equal rows (the same multiset); rows in another order only miss the shortcut the
 * pipeline takes with them.
 */
export function rowsBytes(rows: SortedRows): Uint8Array {
  return rows.bytes.subarray(0, rows.starts[rows.count]);
}

/**
 * Results up to this many bytes of rows get a {@linkcode rowsDigest} when they are too large to
 * keep a copy of (the pipeline compares small results byte for byte).
 */
export const DIGEST_MAX_BYTES = 8 * 1048576;

/**
 * SHA-256 of the rows' bytes in the query's order, or undefined above {@linkcode DIGEST_MAX_BYTES}.
 * Equal digests mean equal rows (the same multiset); rows in another order only miss the
 * shortcut this serves.
 */
export async function rowsDigest(rows: SortedRows): Promise<Uint8Array | undefined> {
  const size = rows.starts[rows.count];
  if (size > DIGEST_MAX_BYTES) return undefined;
  // Row buffers are plain (resizable) ArrayBuffers, never shared ones.
  const view = rows.bytes.subarray(0, size) as Uint8Array<ArrayBuffer>;
  return new Uint8Array(await crypto.subtle.digest("SHA-256", view));
}

/**
 * A cheap summary of the rows (count, bytes, and the sum and xor of their hashes), equal for
 * equal rows in any order: a result whose summary differs from the last one's changed, and needs
 * no comparison of its bytes to say so.
 */
export function rowsSummary(rows: SortedRows): string {
  let sum = 0;
  let xor = 0;
  for (let k = 0; k < rows.count; k++) {
    sum = (sum + rows.hashes[k]) >>> 0;
    xor = (xor ^ rows.hashes[k]) >>> 0;
  }
  return `${rows.count}:${rows.starts[rows.count]}:${sum}:${xor}`;
}

/** True when `a` and `b` hold the same bytes (compared a 32-bit word at a time where both align). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  let i = 0;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = n >>> 2;
    const wa = new Uint32Array(a.buffer, a.byteOffset, words);
    const wb = new Uint32Array(b.buffer, b.byteOffset, words);
    for (let k = 0; k < words; k++) if (wa[k] !== wb[k]) return false;
    i = words * 4;
  }
  for (; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The text of row `i` in the query's order (without its newline). */
export function rowTextAt(rows: SortedRows, i: number): string {
  return decoder.decode(rows.bytes.subarray(rows.starts[i], rows.starts[i + 1] - 1));
}

/** The text of the row at sorted place `k`. */
export function rowText(rows: SortedRows, k: number): string {
  return rowTextAt(rows, rows.order[k]);
}

/** The rows at sorted places [from, to), each with its newline, as one buffer. */
export function sortedBytes(rows: SortedRows, from = 0, to = rows.count): Uint8Array {
  const { bytes, starts, order } = rows;
  let size = 0;
  for (let k = from; k < to; k++) size += starts[order[k] + 1] - starts[order[k]];
  const out = new Uint8Array(size);
  for (let k = from, o = 0; k < to; k++) {
    const i = order[k];
    out.set(bytes.subarray(starts[i], starts[i + 1]), o);
    o += starts[i + 1] - starts[i];
  }
  return out;
}

/** The buffers to transfer when posting `rows` to another thread. */
export function transferList(rows: SortedRows): ArrayBuffer[] {
  return [rows.bytes.buffer, rows.starts.buffer, rows.order.buffer, rows.hashes.buffer] as ArrayBuffer[];
}
