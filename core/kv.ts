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
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The store. */
export class Store {
  #seq: bigint | undefined;

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
    const text = await this.getBlob(state.blob);
    return text === "" ? [] : text.split("\n");
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
   * when there were no lines). The old rows blob is deleted after the commit.
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
    let stored: StoredQuery | undefined;
    if (state) {
      if (rows) {
        const blob = rows.length ? await this.putBlob(rows.join("\n")) : { id: "", chunks: 0 };
        stored = { ...state, blob: blob.id, rows: rows.length };
      } else {
        stored = { ...state, blob: previous.value?.blob ?? "", rows: previous.value?.rows ?? 0 };
      }
    }
    let entry: OutboxEntry | undefined;
    if (lines.length) {
      const size = lines.reduce((n, l) => n + l.length + 1, 0);
      if (size <= INLINE_LIMIT) entry = { category, name, lines, count: lines.length };
      else entry = { category, name, blob: (await this.putBlob(lines.join("\n"))).id, count: lines.length };
    }
    const op = this.kv.atomic().check(previous).delete(["executing", name]);
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
      await this.deleteBlob(previous.value.blob);
    }
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
