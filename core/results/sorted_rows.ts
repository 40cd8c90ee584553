/**
 * A differential query's rows in the form the chunked diff (core/results/chunked_rows.ts) walks:
 * every canonical row's UTF-8 bytes, each followed by "\n", in one buffer, ordered by (hash of the
 * bytes, bytes), with each row's place in the query's own order beside it. Rows of a query
 * thread travel to the daemon's thread as these four buffers (transferred, not copied), so
 * neither thread holds the rows as a million small strings after the run.
 *
 * Canonical rows never hold a raw newline (JSON escapes it), so "\n" ends a row unambiguously.
 *
 * @module
 */

/** Rows sorted by (hash, bytes); see the module doc. */
export interface SortedRows {
  count: number;
  /** UTF-8 of the rows in sorted order, each followed by "\n". */
  bytes: Uint8Array;
  /** Start of each sorted row in `bytes`, and `bytes.length` last (count + 1 entries). */
  offsets: Uint32Array;
  /** {@linkcode rowHash} of each sorted row. */
  hashes: Uint32Array;
  /** Each sorted row's index in the query's order. */
  positions: Uint32Array;
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

/**
 * Collects rows as they are produced (encoded at once, so no array of strings builds up) and
 * sorts them into {@linkcode SortedRows} at the end. `reset()` drops the rows so far (only the
 * last statement with result columns counts).
 */
export class SortedRowsBuilder {
  #bytes = new Uint8Array(1 << 16);
  #used = 0;
  #starts = new Uint32Array(1024);
  #hashes = new Uint32Array(1024);
  #count = 0;

  /** Adds one canonical row. */
  add(row: string): void {
    // Worst case 3 bytes per UTF-16 unit, plus the newline.
    const need = this.#used + row.length * 3 + 1;
    if (need > this.#bytes.length) this.#bytes = grow(this.#bytes, need, this.#used);
    if (this.#count + 1 >= this.#starts.length) {
      this.#starts = growU32(this.#starts, this.#count);
      this.#hashes = growU32(this.#hashes, this.#count);
    }
    const start = this.#used;
    const { written } = encoder.encodeInto(row, this.#bytes.subarray(start));
    this.#hashes[this.#count] = rowHash(this.#bytes, start, start + written);
    this.#bytes[start + written] = 10;
    this.#starts[this.#count++] = start;
    this.#used = start + written + 1;
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

  /** The rows, sorted (the builder is spent). */
  finish(): SortedRows {
    const n = this.#count;
    const src = this.#bytes;
    const starts = this.#starts;
    starts[n] = this.#used;
    const order = radixOrder(this.#hashes, n);
    // Equal hashes (duplicates, rare collisions) are ordered by their bytes: equal multisets of
    // rows then give equal buffers, whatever order the query returned them in.
    const h = this.#hashes;
    for (let i = 0; i < n;) {
      let j = i + 1;
      while (j < n && h[order[j]] === h[order[i]]) j++;
      if (j - i > 1) {
        const run = Array.from(order.subarray(i, j));
        // Compared without their newlines, as the diff compares them.
        run.sort((a, b) => compareBytes(src, starts[a], starts[a + 1] - 1, src, starts[b], starts[b + 1] - 1) || a - b);
        order.set(run, i);
      }
      i = j;
    }
    const bytes = new Uint8Array(this.#used);
    const offsets = new Uint32Array(n + 1);
    const hashes = new Uint32Array(n);
    let o = 0;
    for (let k = 0; k < n; k++) {
      const i = order[k];
      offsets[k] = o;
      hashes[k] = h[i];
      bytes.set(src.subarray(starts[i], starts[i + 1]), o);
      o += starts[i + 1] - starts[i];
    }
    offsets[n] = o;
    this.#bytes = new Uint8Array(0);
    this.#starts = new Uint32Array(1);
    this.#hashes = new Uint32Array(0);
    this.#count = 0;
    return { count: n, bytes, offsets, hashes, positions: order };
  }
}

function grow(bytes: Uint8Array, need: number, used: number): Uint8Array<ArrayBuffer> {
  const next = new Uint8Array(Math.max(need, Math.ceil(bytes.length * 1.5)));
  next.set(bytes.subarray(0, used));
  return next;
}

function growU32(a: Uint32Array, used: number): Uint32Array<ArrayBuffer> {
  const next = new Uint32Array(a.length * 2);
  next.set(a.subarray(0, used + 1));
  return next;
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

/** The text of sorted row `k` (without its newline). */
export function rowText(sorted: SortedRows, k: number): string {
  return decoder.decode(sorted.bytes.subarray(sorted.offsets[k], sorted.offsets[k + 1] - 1));
}

/** The buffers to transfer when posting `sorted` to another thread. */
export function transferList(sorted: SortedRows): ArrayBuffer[] {
  return [sorted.bytes.buffer, sorted.offsets.buffer, sorted.hashes.buffer, sorted.positions.buffer] as ArrayBuffer[];
}
