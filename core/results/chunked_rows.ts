/**
 * A differential query's previous rows, stored as chunks and diffed chunk by chunk, so the
 * daemon never holds the previous result beside the current one.
 *
 * Layout: the rows are kept sorted by (hash, bytes) (core/results/sorted_rows.ts) and cut into
 * 2^bits buckets by the top bits of the hash. Bucket b lives under `["rows", name, b, gen, i]`
 * (i numbers the ≤ 60 KB pieces of a bucket larger than one KV value), and the query's state
 * (`["query", name]`, {@linkcode StoredRowsRef}) holds `parts`: for each bucket the generation
 * holding it, 0 when empty.
 *
 * A run walks the stored buckets in key order (one KV list, a few buckets in memory at a time)
 * against the current rows in the same order: a merge of two sorted sequences gives the
 * multiset difference, and marks the buckets it touched. Only those are written, under a new
 * random generation, before the commit: nothing refers to them yet, so a crash leaves the
 * stored state whole (the next start deletes the stray chunks). The run's one atomic commit
 * then swaps `parts` in the query's state together with its outbox entries; the chunks it
 * replaced are deleted after it. A generation is random (not the previous plus one) so chunks
 * a crashed or refused run left behind can never be mistaken for a later run's.
 *
 * A bucket's bytes: a header (four zero bytes, the row count as a 32-bit integer), the rows'
 * hashes (32 bits each, in order), then the rows, each followed by "\n"; the walk compares the
 * stored hashes instead of hashing the stored rows again. A bucket written before the header
 * starts with its first row's "{" and is hashed as it is read.
 *
 * Changes spread by hash: 1 % of the rows changed touch most buckets of a large result. So a
 * bucket whose rows changed little is not rewritten: a delta beside it, `[..., b, gen, "d", id]`
 * (its id in the state's `deltas`), holds the rows added to and removed from the stored rows
 * (each list in bucket form), and the walk reads the bucket with its delta applied. A later
 * run's delta is again against the stored rows (old delta, plus rows added, minus rows removed),
 * written under a new id and swapped by the same commit; once it would pass a quarter of the
 * bucket (or 16 KB) the bucket is rewritten without one. A 1 % change of 1,000,000 rows writes
 * ~1 MB of deltas instead of ~45 MB of buckets. A run whose rows did not change writes nothing.
 *
 * @module
 */
import type { RowsUpdate } from "../kv/store.ts";
import { applyRowsDelta, type BucketRows, type MergeState, rowMerger } from "../sqlite/row_batch.ts";
import { compareBytes, rowHash, sortedBytes, type SortedRows, sortRows } from "./sorted_rows.ts";

/** What a query's stored state says about its rows. */
export interface StoredRowsRef {
  /** Rows stored. */
  rows: number;
  /** Per bucket (2^bits of them), the generation holding it; 0 for an empty bucket. */
  parts?: Float64Array;
  /** Per bucket, the generation of its delta (see the module doc); 0 or absent for none. */
  deltas?: Float64Array;
  /** Rows of a store written before chunked rows: a blob of rows joined by newlines. */
  blob?: string;
}

/** The outcome of {@linkcode walkRows}. */
export interface RowsWalk {
  /** Rows (their index in the query's order) not stored, ascending. */
  added: Uint32Array;
  /** Stored rows not in the current ones: how many, and their text when asked for. */
  removedCount: number;
  removed: string[];
  /** The rows to store, when they differ from the stored ones. */
  update?: RowsUpdate;
}

/** Options of {@linkcode walkRows}. */
export interface WalkOptions {
  /** Decode removed rows (they are only counted otherwise). */
  removedText: boolean;
  /** Reads a pre-chunking rows blob. */
  readBlob: (id: string) => Promise<string>;
  /**
   * Merge the stored rows with the current ones, and apply a bucket's delta, in native code where
   * it runs (the default; core/sqlite/row_batch.ts's rowMerger and applyRowsDelta); false does
   * both here (the fallback, which tests compare it with).
   */
  nativeMerge?: boolean;
  /**
   * The stored buckets, read (and their deltas applied) since the run started
   * ({@linkcode prefetchRows} with the same stored state); the walk reads them itself otherwise.
   */
  prefetch?: AsyncIterable<StoredBucket>;
  /**
   * Bucket writes this small may go into the run's own commit ({@linkcode FOLD_BYTES}; the
   * default). False writes them ahead whatever their size.
   */
  fold?: boolean;
}

/**
 * Bytes a bucket aims at; the bucket count is a power of two near rows' bytes / this. A 1 %
 * change touches nearly every bucket (changes spread by hash), and each touched bucket costs a
 * delta written and merged: 128 KB (3 KV values) rather than 32 KB took ~0.1-0.15 s off a 1M-row
 * run in the daemon (512 deltas instead of 2,048). Stores partitioned before keep their
 * partition while it is within a factor of 4 ({@linkcode bucketBits}).
 */
const BUCKET_BYTES = 128 * 1024;
/** At most 2^12 buckets: `parts` (8 bytes each) stays well inside one KV value. */
const MAX_BITS = 12;
/** Bytes of one KV value holding (a piece of) a bucket. */
const PIECE = 60_000;
/** A write commit holds at most this many bytes and values (Deno KV's limits, with margin). */
const COMMIT_BYTES = 600_000;
const COMMIT_VALUES = 200;

const decoder = new TextDecoder();

/** The bucket count exponent for `bytes` of rows, kept from `previous` while it is near enough. */
export function bucketBits(bytes: number, previous?: number): number {
  const ideal = Math.min(MAX_BITS, Math.max(0, Math.ceil(Math.log2(Math.max(1, bytes / BUCKET_BYTES)))));
  // A change of partition rewrites every bucket: keep the old one within a factor of 4.
  if (previous !== undefined && Math.abs(previous - ideal) <= 2) return previous;
  return ideal;
}

function bucketOf(hash: number, bits: number): number {
  return bits === 0 ? 0 : hash >>> (32 - bits);
}

/** A bucket's delta: rows added to and removed from its stored rows, each in bucket form. */
export interface Delta {
  added: Uint8Array;
  removed: Uint8Array;
}

/** A stored bucket: its bytes (the KV values holding them) and their keys, and its delta. */
interface Segment {
  bucket: number;
  pieces: Uint8Array[];
  keys: Deno.KvKey[];
  delta?: { key: Deno.KvKey; value: Delta };
}

/**
 * A stored bucket as the walk merges it: its rows with its delta applied and their hashes, and
 * what the walk needs to replace it (its keys, its delta, the bytes of its stored rows).
 */
export interface StoredBucket {
  bucket: number;
  keys: Deno.KvKey[];
  delta?: { key: Deno.KvKey; value: Delta };
  /** Bytes of the stored rows without the delta (what a delta's room is measured against). */
  baseBytes: number;
  rows: Uint8Array;
  hashes: Uint32Array;
}

/**
 * The buckets of `segments` ready to merge: pieces joined, delta applied (in native code unless
 * `native` is false), hashes computed for a bucket stored without them. Each has buffers of its
 * own, so a read-ahead queue may hold many; with `reuse`, buckets are joined and applied into
 * buffers reused for the next one (a bucket is then valid until the next is asked for).
 */
async function* storedBuckets(
  segments: AsyncIterable<Segment>,
  native: boolean,
  reuse = false,
): AsyncGenerator<StoredBucket> {
  // A bucket with a delta is joined here, then applied into buffers of its own: ~45 MB a run of
  // 1,000,000 rows that the garbage collector no longer sees allocated.
  let scratch: Uint8Array = new Uint8Array(0);
  const applied: BucketRows = { rows: new Uint8Array(0), hashes: new Uint32Array(0) };
  for await (const seg of segments) {
    let bytes = seg.pieces[0] ?? new Uint8Array(0);
    if (seg.pieces.length > 1 && (seg.delta || reuse)) {
      bytes = (scratch = joinInto(seg.pieces, scratch)).subarray(0, total(seg.pieces));
    } else if (seg.pieces.length > 1) bytes = joinInto(seg.pieces, new Uint8Array(0));
    const base = bucketParts(bytes);
    const { rows, hashes } = seg.delta
      ? applyDelta(base, seg.delta.value, native ? (reuse ? applied : undefined) : false)
      : withHashes(base);
    yield { bucket: seg.bucket, keys: seg.keys, delta: seg.delta, baseBytes: base.rows.length, rows, hashes };
  }
}

/** The stored buckets in order (only those `parts` names), a few KV values at a time. */
async function* storedSegments(
  entries: AsyncIterable<Deno.KvEntry<Uint8Array | Delta>>,
  parts: Float64Array,
  deltas: Float64Array | undefined,
): AsyncGenerator<Segment> {
  let current:
    | { bucket: number; pieces: Uint8Array[]; keys: Deno.KvKey[]; delta?: { key: Deno.KvKey; value: Delta } }
    | undefined;
  const flush = (): Segment | undefined => {
    if (!current) return undefined;
    const { bucket, pieces, keys, delta } = current;
    current = undefined;
    return { bucket, pieces, keys, delta };
  };
  for await (const e of entries) {
    const bucket = e.key[2] as number;
    if (parts[bucket] !== e.key[3]) continue; // another generation: stray or about to be deleted
    const isDelta = e.key[4] === "d";
    // A delta the state does not name: a crashed run's or one about to be deleted.
    if (isDelta && (deltas?.[bucket] ?? 0) !== e.key[5]) continue;
    if (current && current.bucket !== bucket) yield flush()!;
    current ??= { bucket, pieces: [], keys: [] };
    if (isDelta) current.delta = { key: e.key, value: e.value as Delta };
    else {
      current.pieces.push(e.value as Uint8Array);
      current.keys.push(e.key);
    }
  }
  const last = flush();
  if (last) yield last;
}

/** KV values a list reads per batch. */
const READ_BATCH = 32;
/**
 * Bytes of stored rows read ahead at most: while the query runs, then while the walk works. The
 * stored rows of a 1,000,000-row result (3 columns, ~49 MB with their hashes) fit, so its walk
 * waits for no read (at 32 MB, ~0.08 s of reading was left to do after the query).
 */
const PREFETCH_BYTES = 64 * 1024 * 1024;

/** A query's stored rows as KV entries, in key order (bucket, generation, piece). */
function listRows(kv: Deno.Kv, name: string): AsyncIterable<Deno.KvEntry<Uint8Array | Delta>> {
  return kv.list<Uint8Array | Delta>({ prefix: ["rows", name] }, { batchSize: READ_BATCH });
}

function bucketBytesHeld(b: StoredBucket): number {
  return b.rows.length + 4 * b.hashes.length;
}

function segmentBytes(s: Segment): number {
  return total(s.pieces) + (s.delta ? s.delta.value.added.length + s.delta.value.removed.length : 0);
}

/** Entries read ahead ({@linkcode readAhead}); `cancel` stops reading and closes the source. */
export type ReadAhead<T> = AsyncGenerator<T> & { cancel(): Promise<void> };

/**
 * The entries of `source`, read ahead by a loop of their own that starts at once, up to `limit`
 * (in `size` units: entries by default) queued: the database reads the next values while the
 * caller works on these. One read at a time (a KV list iterator takes no concurrent calls);
 * stopping early or `cancel()` closes the source.
 */
export function readAhead<T>(
  source: AsyncIterable<T>,
  limit: number,
  size: (item: T) => number = () => 1,
): ReadAhead<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: IteratorResult<T>[] = [];
  let queued = 0;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let wakeReader: (() => void) | undefined;
  let wakeWalk: (() => void) | undefined;
  const wake = (which: "reader" | "walk") => {
    const fn = which === "reader" ? wakeReader : wakeWalk;
    if (which === "reader") wakeReader = undefined;
    else wakeWalk = undefined;
    fn?.();
  };
  const reader = (async () => {
    try {
      while (!stopped) {
        if (queue.length > 0 && queued >= limit) {
          await new Promise<void>((resolve) => (wakeReader = resolve));
          continue;
        }
        const next = await it.next();
        queue.push(next);
        if (!next.done) queued += size(next.value);
        wake("walk");
        if (next.done) return;
      }
    } catch (error) {
      failure = { error };
      wake("walk");
    }
  })();
  let closing: Promise<void> | undefined;
  const cancel = () =>
    closing ??= (async () => {
      stopped = true;
      wake("reader");
      await reader;
      queue.length = 0;
      await it.return?.();
    })();
  async function* entries(): AsyncGenerator<T> {
    try {
      for (;;) {
        if (queue.length === 0) {
          if (failure) throw failure.error;
          if (stopped) return;
          await new Promise<void>((resolve) => (wakeWalk = resolve));
          continue;
        }
        const next = queue.shift()!;
        if (!next.done) queued -= size(next.value);
        wake("reader");
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await cancel();
    }
  }
  return Object.assign(entries(), { cancel });
}

/**
 * A query's stored rows read from the start of its run, so the database reads them, and their
 * deltas are applied, while the query runs on its thread (up to {@linkcode PREFETCH_BYTES}; the
 * rest as the walk goes): pass it to {@linkcode walkRows} as `prefetch`, or `cancel()` it when the
 * run will not walk. Applying the deltas here took ~0.1 s off the walk of a 1,000,000-row result;
 * it is done for stores of `aheadFrom` buckets and more ({@linkcode AHEAD_MIN_BUCKETS}), smaller
 * ones have their values read ahead and applied as the walk goes.
 */
export function prefetchRows(
  kv: Deno.Kv,
  name: string,
  stored: StoredRowsRef | undefined,
  aheadFrom = AHEAD_MIN_BUCKETS,
): Prefetch | undefined {
  if (!stored?.parts) return undefined;
  const segments = storedSegments(listRows(kv, name), stored.parts, stored.deltas);
  if (stored.parts.length >= aheadFrom) {
    return readAhead(storedBuckets(segments, true), PREFETCH_BYTES, bucketBytesHeld);
  }
  // Smaller results: the values are read ahead, and applied as the walk goes (into reused buffers).
  const values = readAhead(segments, PREFETCH_BYTES, segmentBytes);
  return Object.assign(storedBuckets(values, true, true), { cancel: () => values.cancel() });
}

/** The stored rows read ahead for a walk ({@linkcode prefetchRows}); `cancel` stops the reading. */
export type Prefetch = AsyncIterable<StoredBucket> & { cancel(): Promise<void> };

/**
 * Buckets from which the stored rows are applied ahead (~32 MB of rows and more): each held
 * applied bucket is a copy beside the KV values it came from, ~5 MiB more at the peak of a
 * 100,000-row result (bench_daemon --large --only-100k: 148 against 143 MiB), which has no room.
 */
const AHEAD_MIN_BUCKETS = 256;

function total(pieces: Uint8Array[]): number {
  let n = 0;
  for (const p of pieces) n += p.length;
  return n;
}

/** `pieces` joined at the start of `into`, or of a new buffer when it is too small (returned). */
function joinInto(pieces: Uint8Array[], into: Uint8Array): Uint8Array {
  const n = total(pieces);
  const out = into.length >= n ? into : new Uint8Array(Math.max(n, into.length * 2));
  let o = 0;
  for (const p of pieces) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A growable list of row indexes. */
class Indexes {
  #a = new Uint32Array(1024);
  length = 0;
  push(i: number): void {
    if (this.length === this.#a.length) {
      const next = new Uint32Array(this.#a.length * 2);
      next.set(this.#a);
      this.#a = next;
    }
    this.#a[this.length++] = i;
  }
  done(): Uint32Array {
    return this.#a.slice(0, this.length);
  }
  /** The indexes so far (a view, valid until the next push). */
  view(): Uint32Array {
    return this.#a.subarray(0, this.length);
  }
}

/**
 * Diffs `current` against the rows `stored` refers to and, when they differ, writes the
 * buckets that changed under a new generation (see the module doc). Nothing stored changes
 * until the caller commits the returned {@linkcode RowsUpdate}.
 */
export async function walkRows(
  kv: Deno.Kv,
  name: string,
  stored: StoredRowsRef | undefined,
  current: SortedRows,
  options: WalkOptions,
): Promise<RowsWalk> {
  const n = current.count;
  const { starts, order, hashes } = current;
  const cur = new DataView(current.bytes.buffer, current.bytes.byteOffset, current.bytes.byteLength);
  const oldBits = stored?.parts ? Math.log2(stored.parts.length) : undefined;
  const bits = bucketBits(current.bytes.length, oldBits);
  const samePartition = oldBits === bits;
  // Buckets (of the new partition) whose rows changed.
  const dirty = new Uint8Array(2 ** bits);
  const added = new Indexes();
  const removed: string[] = [];
  let removedCount = 0;
  const oldKeys: Deno.KvKey[][] = [];
  const oldDeltas: (Segment["delta"])[] = [];
  // Per bucket that may take a delta: its rows removed now (start, end and hash of each in
  // `kept`), and the bytes its delta may hold.
  const removedIn: (number[] | undefined)[] = [];
  const kept = new KeptBytes();
  const deltaRoom = new Float64Array(samePartition ? 2 ** bits : 0);
  const deltaLimit = new Float64Array(samePartition ? 2 ** bits : 0);
  let j = 0;
  const native = options.nativeMerge !== false;
  const merge = native ? rowMerger() : undefined;
  const state: MergeState = {
    at: new Int32Array(10),
    added: new Uint32Array(MERGE_ROOM),
    removed: new Uint32Array(3 * MERGE_ROOM),
  };
  const segments = stored?.parts
    ? options.prefetch ??
      storedBuckets(readAhead(storedSegments(listRows(kv, name), stored.parts, stored.deltas), 4), native, true)
    : stored?.blob && stored.rows > 0
    ? storedBuckets(legacySegment(stored.blob, options.readBlob), native, true)
    : undefined;
  /** A stored row (`old[s, e)`, hash h, of bucket b) that is not current. */
  const removedRow = (b: number, old: Uint8Array, s: number, e: number, h: number) => {
    removedCount++;
    if (options.removedText) removed.push(decoder.decode(old.subarray(s, e)));
    const list = removedIn[b];
    if (list) {
      // Past the room a delta has, the bucket is rewritten: stop keeping its rows.
      if ((deltaRoom[b] -= e - s + 1) < 0) removedIn[b] = undefined;
      else {
        const at = kept.add(old, s, e);
        list.push(at, at + e - s, h);
      }
    }
    dirty[bucketOf(h, bits)] = 1;
  };
  // The next delta of a bucket the walk has passed (see BucketWriter).
  const deltaOf = (b: number, places: Uint32Array): Delta | null | undefined => {
    const gone = removedIn[b];
    if (!gone) return undefined;
    return nextDelta(oldDeltas[b]?.value, current, places, kept.bytes, gone, deltaLimit[b]);
  };
  // Same partition: only the dirty buckets are written, as a delta where it is small enough,
  // each as soon as the walk has passed it. Another: every bucket is, once the walk is done.
  const writer = new BucketWriter(
    kv,
    name,
    current,
    bits,
    stored,
    samePartition ? { dirty, deltaOf, added } : undefined,
    options.fold ?? true,
  );
  try {
    await walkSegments();
  } catch (err) {
    await writer.discard();
    throw err;
  }
  async function walkSegments() {
    let lastMerged = 0;
    for await (const seg of segments ?? []) {
      if (samePartition && lastMerged > 0) {
        // Buckets before the last one merged are final (the merge of a bucket's first stored row
        // took every current row of a hash before it): their deltas go to the database while
        // the next ones are merged.
        await writer.upTo(lastMerged);
      }
      lastMerged = seg.bucket;
      if (seg.bucket >= 0) {
        oldKeys[seg.bucket] = seg.keys;
        oldDeltas[seg.bucket] = seg.delta;
        if (samePartition) {
          deltaLimit[seg.bucket] = deltaRoom[seg.bucket] = Math.min(DELTA_BYTES, seg.baseBytes * DELTA_SHARE);
          removedIn[seg.bucket] = [];
        }
      }
      const { rows: old, hashes: oldHashes } = seg;
      if (merge) {
        // The whole bucket in native code, which lists the rows added and removed.
        const { at } = state;
        at[0] = j, at[1] = n, at[2] = 0, at[3] = oldHashes.length, at[4] = 0, at[5] = old.length;
        at[7] = state.added.length, at[9] = state.removed.length / 3;
        do {
          at[6] = at[8] = 0;
          merge(current, old, oldHashes, state);
          for (let k = 0; k < at[6]; k++) {
            const place = state.added[k];
            added.push(place);
            dirty[bucketOf(hashes[place], bits)] = 1;
          }
          const r = state.removed;
          for (let k = 0; k < at[8]; k++) removedRow(seg.bucket, old, r[3 * k], r[3 * k + 1], r[3 * k + 2]);
        } while (at[2] < at[3] && at[4] < at[5]);
        j = at[0];
        continue;
      }
      const oldView = new DataView(old.buffer, old.byteOffset, old.byteLength);
      let s = 0;
      for (let r = 0; s < old.length; r++) {
        if (j < n && hashes[j] === oldHashes[r]) {
          // Most stored rows are the current row at j: equal when that row's bytes and a newline
          // are here, found without looking for this row's end first.
          const i = order[j];
          const end = s + starts[i + 1] - 1 - starts[i];
          if (end < old.length && old[end] === 10 && compareCurrent(cur, starts, i, oldView, s, end) === 0) {
            j++;
            s = end + 1;
            continue;
          }
        }
        let e = old.indexOf(10, s);
        if (e < 0) e = old.length;
        const h = oldHashes[r];
        // Current rows before this stored one are new; `c` ends as the comparison with the
        // current row at j when their hashes are equal (each pair of bytes compared once).
        let c = 1;
        while (j < n && hashes[j] <= h) {
          if (hashes[j] === h && (c = compareCurrent(cur, starts, order[j], oldView, s, e)) >= 0) break;
          added.push(j);
          dirty[bucketOf(hashes[j], bits)] = 1;
          j++;
          c = 1;
        }
        if (j < n && hashes[j] === h && c === 0) j++;
        else removedRow(seg.bucket, old, s, e, h);
        s = e + 1;
      }
    }
  }
  for (; j < n; j++) {
    added.push(j);
    dirty[bucketOf(hashes[j], bits)] = 1;
  }
  // Added rows are logged in the query's order.
  const addedIdx = added.done();
  for (let k = 0; k < addedIdx.length; k++) addedIdx[k] = order[addedIdx[k]];
  addedIdx.sort();
  const walk: RowsWalk = { added: addedIdx, removedCount, removed };
  if (addedIdx.length === 0 && removedCount === 0) {
    // Nothing is dirty: nothing was written.
    await writer.discard();
    return walk;
  }
  let written: Awaited<ReturnType<BucketWriter["finish"]>>;
  try {
    written = await writer.finish();
  } catch (err) {
    await writer.discard();
    throw err;
  }
  const { update, rewritten } = written;
  walk.update = update;
  const replaced = update.replaced;
  for (const [b, keys] of oldKeys.entries()) {
    if (!keys || (samePartition && !dirty[b])) continue;
    // A rewritten bucket replaces its stored rows and delta; a new delta, the old delta only.
    if (!samePartition || rewritten[b]) replaced.push(...keys);
    const delta = oldDeltas[b];
    if (delta) replaced.push(delta.key);
  }
  if (!stored?.parts && stored?.blob) walk.update.replacedBlob = stored.blob;
  return walk;
}

/** Rows the native merge lists per call (added, and removed). */
const MERGE_ROOM = 4096;

/** A delta's bytes at most (well inside one KV value). */
const DELTA_BYTES = 16_000;
/** ... and at most this share of its bucket's rows: past it, rewriting the bucket is cheaper to read. */
const DELTA_SHARE = 0.25;

/**
 * The delta after a run (against the same stored rows): the old one, plus rows added, minus rows
 * removed, as a multiset. Null when the rows are the stored ones again; undefined when it would
 * be larger than `room` allows (the bucket is then rewritten).
 *
 * Every list comes in the buckets' order (hash, then bytes): the old delta's two lists, the
 * added rows' sorted places in `current`, the removed rows as kept by the walk (start, end and
 * hash of each in `removedBytes`). So the delta is one merge over bytes, with no row decoded,
 * counted in a map or sorted again (~0.1 s a run of 1,000,000 rows when it was).
 */
function nextDelta(
  old: Delta | undefined,
  current: SortedRows,
  places: Uint32Array,
  removedBytes: Uint8Array,
  removed: number[],
  room: number,
): Delta | null | undefined {
  const plus = [RowList.ofBucket(old?.added), RowList.ofPlaces(current, places)];
  const minus = [RowList.ofBucket(old?.removed), RowList.ofKept(removedBytes, removed)];
  const outPlus = new RowList();
  const outMinus = new RowList();
  let size = 0;
  const head = (lists: RowList[]) => {
    const [a, b] = lists;
    if (a.done) return b.done ? undefined : b;
    if (b.done) return a;
    return a.compareHead(b) <= 0 ? a : b;
  };
  for (;;) {
    const p = head(plus);
    const m = head(minus);
    if (!p && !m) break;
    const c = !p ? 1 : !m ? -1 : p.compareHead(m);
    if (c === 0) {
      // Added and removed again: the two cancel.
      p!.next();
      m!.next();
      continue;
    }
    const from = c < 0 ? p! : m!;
    size += from.headBytes() + 5;
    if (size > room) return undefined;
    (c < 0 ? outPlus : outMinus).takeHead(from);
  }
  if (outPlus.length === 0 && outMinus.length === 0) return null;
  return { added: outPlus.bucket(), removed: outMinus.bucket() };
}

/**
 * Rows as byte ranges (each row `buf[s, e)` without its newline, with its hash), read in order
 * from a cursor at `i`; built up with {@linkcode RowList.takeHead} and written as a bucket.
 */
class RowList {
  bufs: Uint8Array[] = [];
  s: number[] = [];
  e: number[] = [];
  h: number[] = [];
  i = 0;

  get length(): number {
    return this.s.length;
  }
  get done(): boolean {
    return this.i >= this.s.length;
  }

  static ofBucket(bytes: Uint8Array | undefined): RowList {
    const list = new RowList();
    if (!bytes) return list;
    const { rows, hashes } = withHashes(bucketParts(bytes));
    const starts = rowStarts(rows, hashes.length);
    for (let k = 0; k < hashes.length; k++) list.#push(rows, starts[k], starts[k + 1] - 1, hashes[k]);
    return list;
  }

  static ofPlaces(rows: SortedRows, places: Uint32Array): RowList {
    const list = new RowList();
    for (const k of places) {
      const i = rows.order[k];
      list.#push(rows.bytes, rows.starts[i], rows.starts[i + 1] - 1, rows.hashes[k]);
    }
    return list;
  }

  static ofKept(bytes: Uint8Array, triples: number[]): RowList {
    const list = new RowList();
    for (let k = 0; k < triples.length; k += 3) list.#push(bytes, triples[k], triples[k + 1], triples[k + 2]);
    return list;
  }

  #push(buf: Uint8Array, s: number, e: number, h: number): void {
    this.bufs.push(buf);
    this.s.push(s);
    this.e.push(e);
    this.h.push(h);
  }

  /** Orders this list's head and `other`'s as the buckets do: hash, then bytes. */
  compareHead(other: RowList): number {
    const a = this.i;
    const b = other.i;
    return this.h[a] - other.h[b] ||
      compareBytes(this.bufs[a], this.s[a], this.e[a], other.bufs[b], other.s[b], other.e[b]);
  }

  headBytes(): number {
    return this.e[this.i] - this.s[this.i];
  }

  next(): void {
    this.i++;
  }

  /** Appends `from`'s head and moves `from` on. */
  takeHead(from: RowList): void {
    const k = from.i++;
    this.#push(from.bufs[k], from.s[k], from.e[k], from.h[k]);
  }

  /** The rows as a bucket: header, hashes, rows each followed by a newline. */
  bucket(): Uint8Array {
    const count = this.length;
    let size = HEADER + 4 * count;
    for (let k = 0; k < count; k++) size += this.e[k] - this.s[k] + 1;
    const out = new Uint8Array(size);
    const words = new Uint32Array(out.buffer, 0, 2 + count);
    words[1] = count;
    let o = HEADER + 4 * count;
    for (let k = 0; k < count; k++) {
      words[2 + k] = this.h[k];
      out.set(this.bufs[k].subarray(this.s[k], this.e[k]), o);
      o += this.e[k] - this.s[k];
      out[o++] = 10;
    }
    return out;
  }
}

/** Bytes of rows the walk keeps (removed rows a delta may take), appended to one buffer. */
class KeptBytes {
  #buf = new Uint8Array(64 * 1024);
  #length = 0;

  /** Copies `from[s, e)`; returns where it starts. */
  add(from: Uint8Array, s: number, e: number): number {
    const need = this.#length + e - s;
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.max(need, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, this.#length));
      this.#buf = grown;
    }
    const at = this.#length;
    this.#buf.set(from.subarray(s, e), at);
    this.#length = need;
    return at;
  }

  /** The bytes kept so far (valid until the next add). */
  get bytes(): Uint8Array {
    return this.#buf;
  }
}

/** Row boundaries of a bucket's rows: start of row r, then the end (rows + 1 entries). */
function rowStarts(rows: Uint8Array, count: number): Uint32Array {
  const out = new Uint32Array(count + 1);
  let s = 0;
  for (let r = 0; r < count; r++) {
    out[r] = s;
    s = rows.indexOf(10, s) + 1;
  }
  out[count] = rows.length;
  return out;
}

/**
 * A bucket's rows with its delta applied (removed rows taken out, added ones merged in), in the
 * bucket's order, with their hashes.
 */
function applyDelta(
  base: { rows: Uint8Array; hashes?: Uint32Array },
  delta: Delta,
  native: BucketRows | false | undefined = undefined,
): BucketView {
  const b = withHashes(base);
  const add = bucketParts(delta.added) as BucketView;
  const del = bucketParts(delta.removed) as BucketView;
  // In native code where it runs (core/sqlite/row_batch.ts), the same merge, into new buffers or
  // those of `native` (the result is then valid until the next call with it); false merges here.
  const merged = native === false
    ? undefined
    : applyRowsDelta(b, add, del, native ?? { rows: new Uint8Array(0), hashes: new Uint32Array(0) });
  if (merged) return merged;
  const bs = rowStarts(b.rows, b.hashes.length);
  const as = rowStarts(add.rows, add.hashes.length);
  const ds = rowStarts(del.rows, del.hashes.length);
  const out = new Uint8Array(b.rows.length + add.rows.length);
  const hashes = new Uint32Array(b.hashes.length + add.hashes.length);
  let o = 0;
  let count = 0;
  let i = 0;
  let k = 0;
  let d = 0;
  const cmp = (x: BucketView, xs: Uint32Array, xi: number, y: BucketView, ys: Uint32Array, yi: number) =>
    x.hashes[xi] - y.hashes[yi] ||
    compareBytes(x.rows, xs[xi], xs[xi + 1] - 1, y.rows, ys[yi], ys[yi + 1] - 1);
  const emit = (x: BucketView, xs: Uint32Array, xi: number) => {
    out.set(x.rows.subarray(xs[xi], xs[xi + 1]), o);
    o += xs[xi + 1] - xs[xi];
    hashes[count++] = x.hashes[xi];
  };
  while (i < b.hashes.length || k < add.hashes.length) {
    if (i < b.hashes.length) {
      // Skip removed rows that sort before this one (there are none unless the delta is damaged).
      while (d < del.hashes.length && cmp(del, ds, d, b, bs, i) < 0) d++;
      if (d < del.hashes.length && cmp(del, ds, d, b, bs, i) === 0) {
        d++;
        i++;
        continue;
      }
    }
    if (k < add.hashes.length && (i >= b.hashes.length || cmp(add, as, k, b, bs, i) <= 0)) emit(add, as, k++);
    else emit(b, bs, i++);
  }
  return { rows: out.subarray(0, o), hashes: hashes.subarray(0, count) };
}

/** A bucket's rows and their hashes. */
interface BucketView {
  rows: Uint8Array;
  hashes: Uint32Array;
}

/** A bucket's hashes, computed when it was stored without them. */
function withHashes(bucket: { rows: Uint8Array; hashes?: Uint32Array }): BucketView {
  if (bucket.hashes) return bucket as BucketView;
  const rows = bucket.rows;
  const list: number[] = [];
  for (let s = 0; s < rows.length;) {
    const e = rows.indexOf(10, s);
    list.push(rowHash(rows, s, e));
    s = e + 1;
  }
  return { rows, hashes: Uint32Array.from(list) };
}

/**
 * Compares current row `i` (without its newline) with `old[s, e)`, as compareBytes does, four
 * bytes at a time (big-endian words order as their bytes do).
 */
function compareCurrent(cur: DataView, starts: Uint32Array, i: number, old: DataView, s: number, e: number): number {
  const cs = starts[i];
  const cl = starts[i + 1] - 1 - cs;
  const ol = e - s;
  const n = cl < ol ? cl : ol;
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const x = cur.getUint32(cs + k);
    const y = old.getUint32(s + k);
    if (x !== y) return x < y ? -1 : 1;
  }
  for (; k < n; k++) {
    const d = cur.getUint8(cs + k) - old.getUint8(s + k);
    if (d !== 0) return d;
  }
  return cl - ol;
}

/** A pre-chunking rows blob as one stored segment, in sorted order. */
async function* legacySegment(blob: string, readBlob: (id: string) => Promise<string>): AsyncGenerator<Segment> {
  const text = await readBlob(blob);
  yield { bucket: -1, pieces: [sortedBytes(sortRows(text === "" ? [] : text.split("\n")))], keys: [] };
}

/** What a {@linkcode BucketWriter} writes of a walk over the same partition. */
interface PartialWrite {
  /** Buckets whose rows changed (only those are written). */
  dirty: Uint8Array;
  /** A bucket's next delta given its added rows' sorted places (see nextDelta). */
  deltaOf: (b: number, places: Uint32Array) => Delta | null | undefined;
  /** The walk's added places, ascending. */
  added: Indexes;
}

/** KV commits of bucket writes under way at once (each up to {@linkcode COMMIT_BYTES}). */
const COMMITS_IN_FLIGHT = 2;

/**
 * Bucket writes up to this many bytes (and {@linkcode FOLD_VALUES} values) are not written
 * ahead: they go into the run's own commit ({@linkcode RowsUpdate.sets}). Most changed results
 * of a schedule are small (a few rows of a few KB), and a commit of their own cost the store's
 * writer thread one more database transaction a run.
 */
export const FOLD_BYTES = 64 * 1024;
/** Values a run's own commit takes from its bucket writes (see {@linkcode FOLD_BYTES}). */
export const FOLD_VALUES = 64;

/**
 * Writes the buckets of `current` under a new generation: all of them, or with `partial` those
 * marked in `dirty`, where a bucket whose change `deltaOf` gives as a delta gets that instead
 * (null: its stored rows are current again, nothing to write). `upTo` writes the buckets before
 * one (their dirty marks, removed rows and added places, which ascend in `added`, are final), so
 * the database writes while the walk merges the next buckets; `finish` writes the rest and waits
 * for every commit. Nothing refers to what it wrote until the caller commits the update;
 * `discard` deletes it.
 */
class BucketWriter {
  readonly #kv: Deno.Kv;
  readonly #name: string;
  readonly #current: SortedRows;
  readonly #bits: number;
  readonly #partial?: PartialWrite;
  readonly #parts: Float64Array;
  readonly #deltas: Float64Array;
  readonly #rewritten: Uint8Array;
  readonly #gen = newGeneration();
  readonly #written: Deno.KvKey[] = [];
  readonly #pending: Promise<void>[] = [];
  /** Writes gathered for the next commit (or for the run's own commit, when few). */
  #gathered: [Deno.KvKey, unknown][] = [];
  #opBytes = 0;
  #opValues = 0;
  #inFlight = 0;
  /** A commit of bucket writes was started: the rest are written ahead too. */
  #sentAny = false;
  /** The next bucket to write, the sorted place of its first current row, its first added place. */
  #b = 0;
  #j = 0;
  #k = 0;

  constructor(
    kv: Deno.Kv,
    name: string,
    current: SortedRows,
    bits: number,
    stored: StoredRowsRef | undefined,
    partial?: PartialWrite,
    fold = true,
  ) {
    this.#kv = kv;
    this.#sentAny = !fold;
    this.#name = name;
    this.#current = current;
    this.#bits = bits;
    this.#partial = partial;
    const count = 2 ** bits;
    const keep = partial && stored?.parts;
    this.#parts = keep ? Float64Array.from(stored.parts!) : new Float64Array(count);
    this.#deltas = keep && stored.deltas ? Float64Array.from(stored.deltas) : new Float64Array(count);
    this.#rewritten = new Uint8Array(count);
  }

  /** Writes the buckets before `limit` (see the class doc). */
  async upTo(limit: number): Promise<void> {
    const { hashes, count: n } = this.#current;
    const bits = this.#bits;
    const partial = this.#partial;
    const parts = this.#parts;
    const deltas = this.#deltas;
    for (; this.#b < limit; this.#b++) {
      const b = this.#b;
      const start = this.#j;
      while (this.#j < n && bucketOf(hashes[this.#j], bits) === b) this.#j++;
      const end = this.#j;
      let places: Uint32Array | undefined;
      if (partial) {
        const added = partial.added.view();
        const k0 = this.#k;
        while (this.#k < added.length && bucketOf(hashes[added[this.#k]], bits) === b) this.#k++;
        if (!partial.dirty[b]) continue;
        places = added.subarray(k0, this.#k);
      }
      if (partial && start < end && parts[b] !== 0) {
        const delta = partial.deltaOf(b, places!);
        if (delta === null) {
          deltas[b] = 0;
          continue;
        }
        if (delta) {
          const id = newGeneration();
          await this.#set(["rows", this.#name, b, parts[b], "d", id], delta, delta.added.length + delta.removed.length);
          deltas[b] = id;
          continue;
        }
      }
      this.#rewritten[b] = 1;
      deltas[b] = 0;
      if (start === end) {
        parts[b] = 0;
        continue;
      }
      parts[b] = this.#gen;
      // The bucket's rows in sorted order, gathered from the query-ordered buffer.
      const bucket = bucketBytes(this.#current, start, end);
      const size = bucket.length;
      for (let piece = 0, o = 0; o < size; piece++, o += PIECE) {
        const value = bucket.subarray(o, Math.min(size, o + PIECE));
        await this.#set(["rows", this.#name, b, this.#gen, piece], value, value.length);
      }
    }
    // With no commit under way, what is gathered goes now: commits follow the walk as it goes
    // (while one runs, the next gathers) instead of waiting for a full batch. Small writes wait:
    // they may fit in the run's own commit.
    if (this.#inFlight === 0 && (this.#sentAny || !this.#foldable())) this.#send();
  }

  /** True while what is gathered may still go into the run's own commit. */
  #foldable(): boolean {
    return !this.#sentAny && this.#opBytes <= FOLD_BYTES && this.#opValues <= FOLD_VALUES;
  }

  /** Writes the remaining buckets and waits for every commit: the update to commit with the run. */
  async finish(): Promise<{ update: RowsUpdate; rewritten: Uint8Array }> {
    await this.upTo(2 ** this.#bits);
    const fold = this.#foldable() && this.#gathered.length > 0;
    if (!fold) this.#send();
    await Promise.all(this.#pending.splice(0));
    const update: RowsUpdate = {
      parts: this.#parts,
      deltas: this.#deltas,
      rows: this.#current.count,
      written: this.#written,
      replaced: [],
    };
    if (fold) {
      update.sets = this.#gathered.splice(0);
      update.setsBytes = this.#opBytes;
    }
    return { update, rewritten: this.#rewritten };
  }

  /** Deletes what was written (after the commits under way settle). */
  async discard(): Promise<void> {
    await Promise.allSettled(this.#pending.splice(0));
    await deleteKeys(this.#kv, this.#written).catch(() => {});
  }

  async #set(key: Deno.KvKey, value: unknown, size: number): Promise<void> {
    if (this.#opBytes + size > COMMIT_BYTES || this.#opValues >= COMMIT_VALUES) {
      this.#send();
      // Bounded: the oldest commit finishes before another starts past the limit.
      if (this.#pending.length > COMMITS_IN_FLIGHT) await this.#pending.shift();
    }
    this.#gathered.push([key, value]);
    this.#written.push(key);
    this.#opBytes += size + 100;
    this.#opValues++;
  }

  /** Starts the commit of the writes gathered so far. */
  #send(): void {
    if (this.#opValues === 0) return;
    this.#sentAny = true;
    const op = this.#kv.atomic();
    for (const [key, value] of this.#gathered.splice(0)) op.set(key, value);
    const done = op.commit().then((res) => {
      if (!res.ok) throw new Error("Writing a result chunk to the database failed.");
    });
    // Awaited later (finish, or the next full batch); a failure is never left unhandled meanwhile.
    this.#inFlight++;
    done.catch(() => {}).finally(() => this.#inFlight--);
    this.#pending.push(done);
    this.#opBytes = 0;
    this.#opValues = 0;
  }
}

/** Bytes of a bucket header: a zero word (no row starts so), then the row count. */
const HEADER = 8;

/** The bucket of the rows at sorted places [from, to) of `rows`: header, hashes, rows. */
function bucketBytes(rows: SortedRows, from: number, to: number): Uint8Array {
  const { bytes, starts, order, hashes } = rows;
  const count = to - from;
  let size = HEADER + 4 * count;
  for (let k = from; k < to; k++) size += starts[order[k] + 1] - starts[order[k]];
  const out = new Uint8Array(size);
  // Count and hashes in the machine's byte order: the database is read back where it was written.
  const words = new Uint32Array(out.buffer, 0, 2 + count);
  words[1] = count;
  words.set(hashes.subarray(from, to), 2);
  for (let k = from, o = HEADER + 4 * count; k < to; k++) {
    const i = order[k];
    out.set(bytes.subarray(starts[i], starts[i + 1]), o);
    o += starts[i + 1] - starts[i];
  }
  return out;
}

/** A stored bucket's rows, and their hashes when it carries them (see the module doc). */
function bucketParts(bytes: Uint8Array): { rows: Uint8Array; hashes?: Uint32Array } {
  if (bytes.length < HEADER || bytes[0] !== 0) return { rows: bytes };
  // Copied when the value does not start on a word (typed arrays need aligned views).
  const words = (bytes.byteOffset & 3) === 0 ? bytes : bytes.slice();
  const count = new Uint32Array(words.buffer, words.byteOffset + 4, 1)[0];
  const end = HEADER + 4 * count;
  if (end > bytes.length) throw new Error(`A stored result chunk is damaged (${count} rows, ${bytes.length} bytes).`);
  return { rows: bytes.subarray(end), hashes: new Uint32Array(words.buffer, words.byteOffset + HEADER, count) };
}

/** A generation id: random, never 0 (0 marks an empty bucket), exact in a double. */
function newGeneration(): number {
  const [hi, lo] = crypto.getRandomValues(new Uint32Array(2));
  return (hi & 0x1fffff) * 2 ** 32 + lo + 1;
}

/** Deletes keys in as few commits as Deno KV allows. */
async function deleteKeys(kv: Deno.Kv, keys: Deno.KvKey[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 500) {
    const op = kv.atomic();
    for (const key of keys.slice(i, i + 500)) op.delete(key);
    const res = await op.commit();
    if (!res.ok) throw new Error("Deleting result chunks failed.");
  }
}

/** The stored rows (sorted order), for inspection and tests. */
export async function storedRows(
  kv: Deno.Kv,
  name: string,
  stored: StoredRowsRef,
  readBlob: (id: string) => Promise<string>,
): Promise<string[]> {
  const rows: string[] = [];
  if (!stored.parts) {
    if (!stored.blob || stored.rows === 0) return rows;
    const text = await readBlob(stored.blob);
    return text === "" ? [] : text.split("\n");
  }
  for await (const seg of storedSegments(listRows(kv, name), stored.parts, stored.deltas)) {
    const base = bucketParts(joinInto(seg.pieces, new Uint8Array(0)));
    const text = decoder.decode(seg.delta ? applyDelta(base, seg.delta.value).rows : base.rows);
    if (text === "") continue;
    rows.push(...text.slice(0, -1).split("\n"));
  }
  return rows;
}
