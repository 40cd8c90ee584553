/**
 * The daemon's one Deno KV store and its key layout. KV values are limited to 64 KiB and an
 * atomic commit to ~800 KiB, so large texts (a query's previous rows, a run's log lines) are
 * written first as immutable chunked blobs; the single atomic commit that makes a run count
 * then switches the query's state to the new blob and adds the run's outbox entry together.
 * A crash before that commit leaves only unreferenced blobs (collected at the next start);
 * after it, both the new state and the lines to log exist. Loggers drain the outbox in order
 * and mark each entry shipped.
 *
 * Key layout:
 * - `["meta", "instance_id"]` — this database's random instance id
 * - `["meta", "outbox_seq"]` — last outbox sequence number used
 * - `["query", name]` — {@linkcode StoredQuery}: epoch, counter, SQL, blob id of the previous rows
 * - `["blob", id, i]` — chunk i of blob id (`Uint8Array`)
 * - `["splay", name]` — `"interval:splay"`, as osquery persists it
 * - `["denylist", name]` — unix time the denylisting ends
 * - `["executing", name]` — {@linkcode ExecutingQuery}: a query started and not finished
 * - `["outbox", seq]` — {@linkcode OutboxEntry}: lines waiting for the loggers
 * - `["shipped", logger, seq]` — a logger has this entry (removed with the entry)
 * - `["intent", logger]` — a file logger's write in progress (offset to roll back to)
 *
 * @module
 */

/** Deno KV is unstable in Deno 2: the API exists only with `--unstable-kv`. */
export function kvAvailable(): boolean {
  return typeof (Deno as unknown as { openKv?: unknown }).openKv === "function";
}

/** Raised when Deno KV cannot be used (flag missing, file not openable). */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreError";
  }
}

/** Opens the store at `path` (":memory:" for none on disk). */
export async function openStore(path: string): Promise<Store> {
  if (!kvAvailable()) {
    throw new StoreError("Deno KV is not enabled in this process; run Deno with --unstable-kv.");
  }
  try {
    if (path !== ":memory:") {
      const dir = path.slice(0, path.lastIndexOf("/"));
      if (dir) Deno.mkdirSync(dir, { recursive: true });
    }
    const kv = await (Deno as unknown as { openKv(path?: string): Promise<Deno.Kv> }).openKv(path);
    return new Store(kv);
  } catch (err) {
    throw new StoreError(`Cannot open the database at ${path}: ${(err as Error).message}`);
  }
}

/** A query's stored state. */
export interface StoredQuery {
  epoch: number;
  counter: number;
  sql: string;
  /** Blob holding the previous rows, one canonical row per line. */
  blob: string;
  rows: number;
  /** Chunks of that blob (absent in stores written before osq recorded it). */
  chunks?: number;
}

/** A scheduled query that started and has not finished. */
export interface ExecutingQuery {
  since: number;
  /** The OS thread running it (for the watchdog to tell which query burned CPU). */
  tid: number;
}

/** A run's lines waiting for loggers. */
export interface OutboxEntry {
  /** "result" lines go to the results log, "snapshot" lines to the snapshots log. */
  category: "result" | "snapshot";
  name: string;
  /** The lines inline, when small. */
  lines?: string[];
  /** Or a blob holding them joined by newlines. */
  blob?: string;
  count: number;
}

const CHUNK = 60_000;
const CHUNKS_PER_COMMIT = 12;
const INLINE_LIMIT = 32_000;
/** A rows blob up to this many chunks is written in the run's own commit (else before it). */
const CHUNKS_IN_RUN_COMMIT = 4;
/** Text of previous rows kept in memory (by immutable blob id), at most. */
const ROWS_CACHE_LIMIT = 32 * 1024 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The store. */
export class Store {
  #seq: bigint | undefined;
  /**
   * Previous rows by blob id. Blobs never change once written, so a cached copy is always the
   * stored truth; it spares reading and splitting the blob at every run.
   */
  readonly #rows = new Map<string, { rows: string[]; size: number }>();
  #rowsSize = 0;

  #cacheRows(id: string, rows: string[], size: number): void {
    if (!id || size > ROWS_CACHE_LIMIT) return;
    while (this.#rowsSize + size > ROWS_CACHE_LIMIT && this.#rows.size) {
      this.#uncacheRows(this.#rows.keys().next().value!);
    }
    this.#rows.set(id, { rows, size });
    this.#rowsSize += size;
  }

  #uncacheRows(id: string): void {
    const hit = this.#rows.get(id);
    if (!hit) return;
    this.#rows.delete(id);
    this.#rowsSize -= hit.size;
  }

  constructor(readonly kv: Deno.Kv) {}

  /** Closes the KV handle. */
  close(): void {
    this.kv.close();
  }

  /** Writes text as a new immutable blob; returns its id and chunk count. */
  async putBlob(text: string): Promise<{ id: string; chunks: number }> {
    const id = crypto.randomUUID();
    const bytes = encoder.encode(text);
    const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK));
    for (let start = 0; start < chunks; start += CHUNKS_PER_COMMIT) {
      const op = this.kv.atomic();
      for (let i = start; i < Math.min(chunks, start + CHUNKS_PER_COMMIT); i++) {
        op.set(["blob", id, i], bytes.subarray(i * CHUNK, (i + 1) * CHUNK));
      }
      const res = await op.commit();
      if (!res.ok) throw new StoreError("Writing a blob to the database failed.");
    }
    return { id, chunks };
  }

  /** Reads a blob's text ("" when missing). */
  async getBlob(id: string): Promise<string> {
    const parts: Uint8Array[] = [];
    for await (const e of this.kv.list<Uint8Array>({ prefix: ["blob", id] })) parts.push(e.value);
    let n = 0;
    for (const p of parts) n += p.length;
    const all = new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return decoder.decode(all);
  }

  /** Deletes a blob's chunks. */
  async deleteBlob(id: string): Promise<void> {
    const keys: Deno.KvKey[] = [];
    for await (const e of this.kv.list({ prefix: ["blob", id] })) keys.push(e.key);
    for (let i = 0; i < keys.length; i += 500) {
      const op = this.kv.atomic();
      for (const k of keys.slice(i, i + 500)) op.delete(k);
      await op.commit();
    }
  }

  /** A query's stored state and its versionstamp (for the commit's check). */
  async getQuery(name: string): Promise<Deno.KvEntryMaybe<StoredQuery>> {
    return await this.kv.get<StoredQuery>(["query", name]);
  }

  /** The previous rows of a query (canonical rows). */
  async previousRows(state: StoredQuery): Promise<string[]> {
    if (state.rows === 0) return [];
    const hit = this.#rows.get(state.blob);
    if (hit) return hit.rows;
    const text = await this.getBlob(state.blob);
    const rows = text === "" ? [] : text.split("\n");
    this.#cacheRows(state.blob, rows, text.length);
    return rows;
  }

  async #nextSeq(): Promise<bigint> {
    if (this.#seq === undefined) {
      const stored = await this.kv.get<bigint>(["meta", "outbox_seq"]);
      this.#seq = stored.value ?? 0n;
    }
    return ++this.#seq;
  }

  /**
   * Commits a run atomically: the query's new state (rows already written as a blob) and its
   * outbox lines, and clears its executing mark. Returns the outbox sequence (or undefined
   * when there were no lines). A small rows blob is written and the old one deleted in that
   * same commit; a large one is written before it (unreferenced until then) and the old one
   * deleted after it.
   */
  async commitRun(options: {
    name: string;
    previous: Deno.KvEntryMaybe<StoredQuery>;
    state?: { epoch: number; counter: number; sql: string };
    rows?: string[];
    lines: string[];
    category: "result" | "snapshot";
  }): Promise<bigint | undefined> {
    const { name, previous, state, rows, lines, category } = options;
    const op = this.kv.atomic().check(previous).delete(["executing", name]);
    let stored: StoredQuery | undefined;
    let rowsText = "";
    let oldBlobDeleted = false;
    if (state) {
      if (rows) {
        rowsText = rows.join("\n");
        let blob = { id: "", chunks: 0 };
        if (rows.length) {
          const bytes = encoder.encode(rowsText);
          const chunks = Math.max(1, Math.ceil(bytes.length / CHUNK));
          if (chunks <= CHUNKS_IN_RUN_COMMIT) {
            blob = { id: crypto.randomUUID(), chunks };
            for (let i = 0; i < chunks; i++) op.set(["blob", blob.id, i], bytes.subarray(i * CHUNK, (i + 1) * CHUNK));
          } else blob = await this.putBlob(rowsText);
        }
        stored = { ...state, blob: blob.id, rows: rows.length, chunks: blob.chunks };
        const old = previous.value;
        if (old?.blob && old.chunks !== undefined && old.chunks <= CHUNKS_IN_RUN_COMMIT) {
          for (let i = 0; i < old.chunks; i++) op.delete(["blob", old.blob, i]);
          oldBlobDeleted = true;
        }
      } else {
        stored = {
          ...state,
          blob: previous.value?.blob ?? "",
          rows: previous.value?.rows ?? 0,
          chunks: previous.value?.chunks,
        };
      }
    }
    let entry: OutboxEntry | undefined;
    if (lines.length) {
      const size = lines.reduce((n, l) => n + l.length + 1, 0);
      if (size <= INLINE_LIMIT) entry = { category, name, lines, count: lines.length };
      else entry = { category, name, blob: (await this.putBlob(lines.join("\n"))).id, count: lines.length };
    }
    if (stored) op.set(["query", name], stored);
    let seq: bigint | undefined;
    if (entry) {
      seq = await this.#nextSeq();
      op.set(["outbox", seq], entry).set(["meta", "outbox_seq"], seq);
    }
    const res = await op.commit();
    if (!res.ok) {
      if (seq !== undefined) this.#seq = undefined;
      throw new StoreError(`The results of ${name} changed underneath this run; they were not committed.`);
    }
    if (stored && rows && previous.value?.blob && previous.value.blob !== stored.blob) {
      this.#uncacheRows(previous.value.blob);
      if (!oldBlobDeleted) await this.deleteBlob(previous.value.blob);
    }
    if (stored && rows) this.#cacheRows(stored.blob, rows, rowsText.length);
    return seq;
  }

  /** Outbox entries in order. */
  async *outbox(): AsyncGenerator<{ seq: bigint; entry: OutboxEntry }> {
    for await (const e of this.kv.list<OutboxEntry>({ prefix: ["outbox"] })) {
      yield { seq: e.key[1] as bigint, entry: e.value };
    }
  }

  /** The lines of an outbox entry. */
  async linesOf(entry: OutboxEntry): Promise<string[]> {
    if (entry.lines) return entry.lines;
    if (entry.blob) return (await this.getBlob(entry.blob)).split("\n");
    return [];
  }

  /** True when `logger` already has entry `seq`. */
  async isShipped(logger: string, seq: bigint): Promise<boolean> {
    return (await this.kv.get(["shipped", logger, seq])).value !== null;
  }

  /** Records that `logger` has entry `seq`, clearing its write intent in the same commit. */
  async markShipped(logger: string, seq: bigint): Promise<void> {
    await this.kv.atomic().set(["shipped", logger, seq], true).delete(["intent", logger]).commit();
  }

  /**
   * The last logger has entry `seq`: in one commit the entry, every logger's mark and this
   * logger's write intent go (a crash before it leaves the intent, so the write is undone and
   * redone; after it, nothing is left to ship). Then its blob is deleted.
   */
  async finishEntry(logger: string, seq: bigint, entry: OutboxEntry, loggers: string[]): Promise<void> {
    const op = this.kv.atomic().delete(["outbox", seq]).delete(["intent", logger]);
    for (const l of loggers) op.delete(["shipped", l, seq]);
    const res = await op.commit();
    if (!res.ok) throw new StoreError("Retiring a shipped outbox entry failed.");
    if (entry.blob) await this.deleteBlob(entry.blob);
  }

  /** Removes a fully shipped entry with its marks and blob. */
  async retire(seq: bigint, entry: OutboxEntry, loggers: string[]): Promise<void> {
    const op = this.kv.atomic().delete(["outbox", seq]);
    for (const l of loggers) op.delete(["shipped", l, seq]);
    await op.commit();
    if (entry.blob) await this.deleteBlob(entry.blob);
  }

  /** Deletes blobs no query state or outbox entry refers to (left by a crash mid-run). */
  async collectGarbage(): Promise<number> {
    const live = new Set<string>();
    for await (const e of this.kv.list<StoredQuery>({ prefix: ["query"] })) live.add(e.value.blob);
    for await (const e of this.kv.list<OutboxEntry>({ prefix: ["outbox"] })) if (e.value.blob) live.add(e.value.blob);
    const dead = new Set<string>();
    for await (const e of this.kv.list({ prefix: ["blob"] })) {
      const id = e.key[1] as string;
      if (!live.has(id)) dead.add(id);
    }
    for (const id of dead) await this.deleteBlob(id);
    return dead.size;
  }

  /** A small value by key. */
  async get<T>(key: Deno.KvKey): Promise<T | null> {
    return (await this.kv.get<T>(key)).value;
  }

  /** Sets a small value. */
  async set(key: Deno.KvKey, value: unknown): Promise<void> {
    await this.kv.set(key, value);
  }

  /** Deletes a key. */
  async delete(key: Deno.KvKey): Promise<void> {
    await this.kv.delete(key);
  }

  /** Every entry under a prefix. */
  async list<T>(prefix: Deno.KvKey): Promise<{ key: Deno.KvKey; value: T }[]> {
    const out: { key: Deno.KvKey; value: T }[] = [];
    for await (const e of this.kv.list<T>({ prefix })) out.push({ key: e.key, value: e.value });
    return out;
  }
}
