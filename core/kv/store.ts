/**
 * The daemon's one Deno KV store and its key layout. KV values are limited to 64 KiB and an
 * atomic commit to ~800 KiB, so large data is written first, unreferenced: a query's rows as
 * chunks under a new generation (core/results/chunked_rows.ts), a run's log lines as immutable
 * chunked blobs in bounded batches. The single atomic commit that makes a run count then
 * switches the query's state to the new chunks and adds the run's outbox entries together. A
 * crash before that commit leaves only unreferenced chunks and blobs (collected at the next
 * start); after it, both the new state and the lines to log exist. Loggers drain the outbox in
 * order and mark each entry shipped.
 *
 * Key layout:
 * - `["meta", "instance_id"]` — this database's random instance id
 * - `["meta", "outbox_seq"]` — last outbox sequence number used
 * - `["query", name]` — {@linkcode StoredQuery}: epoch, counter, SQL, the generation of each
 *   bucket of the previous rows and of its delta
 * - `["rows", name, bucket, generation, i]` — piece i of a bucket of query `name`'s previous rows
 *   (`Uint8Array`; see core/results/chunked_rows.ts)
 * - `["rows", name, bucket, generation, "d", id]` — the delta over that bucket's rows the state's
 *   `deltas` names (core/results/chunked_rows.ts)
 * - `["blob", id, i]` — chunk i of blob id (`Uint8Array`): log lines of an outbox entry (and, in
 *   stores written before chunked rows, a query's previous rows)
 * - `["splay", name]` — `"interval:splay"`, as osquery persists it
 * - `["denylist", name]` — unix time the denylisting ends
 * - `["executing", name]` — {@linkcode ExecutingQuery}: a query started and not finished (stores
 *   written before `<database>.executing`, core/kv/executing.ts, held these marks)
 * - `["outbox", seq]` — {@linkcode OutboxEntry}: lines waiting for the loggers
 * - `["shipped", logger, seq]` — a logger has this entry (removed with the entry)
 * - `["intent", logger]` — a file logger's write in progress (offset to roll back to)
 * - `["event_cursor", name]` — per event table, the last event id query `name` has logged
 * - `["events", table, eid]`, `["events_floor", table]`, `["events_next", table]` — event
 *   buffers (core/events/system.ts)
 *
 * @module
 */

import { ExecutingMarks } from "./executing.ts";
import { directoryOf } from "../host/paths.ts";

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
    if (path !== ":memory:") secureStorePaths(path);
    // The marks first: a path that refuses them (a FIFO there) leaves no database open behind it.
    const marks = new ExecutingMarks(path === ":memory:" ? undefined : `${path}.executing`, { threads: true });
    const kv = await (Deno as unknown as { openKv(path?: string): Promise<Deno.Kv> }).openKv(path);
    return new Store(kv, marks);
  } catch (err) {
    throw new StoreError(`Cannot open the database at ${path}: ${(err as Error).message}`);
  }
}

/** The files SQLite keeps beside a database (and the daemon's lock file). */
const COMPANIONS = ["", "-wal", "-shm", "-journal", ".lock", ".executing"];

/**
 * Keeps the database private: previous results (rows from `shadow`, say) and the TLS node key
 * live in it. A missing directory is created 0700 and a missing database file 0600 (SQLite
 * gives its -wal and -shm files the database file's mode); existing files are tightened to
 * 0600, and an existing directory to 0700 when it holds only this database (a shared one such
 * as /tmp keeps its mode: the files' own modes protect them there).
 */
export function secureStorePaths(path: string): void {
  const dir = directoryOf(path);
  const base = path.slice(path.lastIndexOf("/") + 1);
  let created = false;
  try {
    Deno.statSync(dir);
  } catch {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    created = true;
  }
  if (!created) {
    const info = Deno.statSync(dir);
    const dedicated = [...Deno.readDirSync(dir)].every((e) => e.name.startsWith(base) || e.name.startsWith(".osq-"));
    if (dedicated && info.mode !== null && (info.mode & 0o077) !== 0 && info.uid === Deno.uid()) {
      Deno.chmodSync(dir, info.mode & 0o7700);
    }
  }
  for (const suffix of COMPANIONS) {
    try {
      const info = Deno.lstatSync(path + suffix);
      if (info.isFile && info.mode !== null && (info.mode & 0o077) !== 0) Deno.chmodSync(path + suffix, 0o600);
    } catch {
      // not there
    }
  }
  try {
    Deno.writeFileSync(path, new Uint8Array(), { createNew: true, mode: 0o600 });
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
  }
}

/** A query's stored state. */
export interface StoredQuery {
  epoch: number;
  counter: number;
  sql: string;
  /** Rows stored. */
  rows: number;
  /** Per bucket of the stored rows, the generation holding it; 0 for an empty bucket. */
  parts?: Float64Array;
  /** Per bucket, the generation of the delta over its rows; 0 (or absent) for none. */
  deltas?: Float64Array;
  /** Stores written before chunked rows: the blob holding the rows, one per line. */
  blob?: string;
}

/**
 * A query's rows as a commit stores them: written before it as chunks nothing refers to yet
 * (core/results/chunked_rows.ts's walkRows).
 */
export interface RowsUpdate {
  /** The state's new {@linkcode StoredQuery.parts}. */
  parts: Float64Array;
  /** The state's new {@linkcode StoredQuery.deltas}. */
  deltas?: Float64Array;
  rows: number;
  /** Keys written for this run (deleted if its commit does not happen). */
  written: Deno.KvKey[];
  /**
   * Chunks not written ahead (few and small): set in the run's own commit. Their keys are in
   * `written` too.
   */
  sets?: [Deno.KvKey, unknown][];
  /** Bytes `sets` adds to a commit, at most (as the writer counted them). */
  setsBytes?: number;
  /** Keys of the chunks it replaces (deleted after its commit). */
  replaced: Deno.KvKey[];
  /** A pre-chunking rows blob it replaces (deleted after its commit). */
  replacedBlob?: string;
}

export type { ExecutingQuery } from "./executing.ts";

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

/** A run to commit (see {@linkcode Store.commitRun}). */
export interface RunCommit {
  name: string;
  /** The state read before the run; the commit checks it is still the stored one. */
  previous: Deno.KvEntryMaybe<StoredQuery>;
  state?: { epoch: number; counter: number; sql: string };
  /** New rows (with `state`); without them the stored rows stay. */
  rows?: RowsUpdate;
  lines: string[];
  /**
   * Lines already written as blobs (a large run renders its lines in bounded batches), each
   * its own outbox entry, before `lines`.
   */
  lineBlobs?: { blob: string; count: number }[];
  category: "result" | "snapshot";
  /**
   * Further keys to set in the run's own commit (the event cursors of a query reading event
   * tables: they move exactly when its results are logged).
   */
  extra?: [Deno.KvKey, unknown][];
}

/**
 * True when a run has nothing to store: no new state, rows, lines or extra keys (an unchanged
 * result, osquery writes nothing then). Such a run needs no commit at all; most scheduled runs
 * are such runs, and a commit costs a database round trip and a write on the store's thread.
 */
export function writesNothing(run: RunCommit): boolean {
  return !run.state && !run.rows && run.lines.length === 0 && !run.lineBlobs?.length && !run.extra?.length;
}

interface PreparedRun {
  run: RunCommit;
  /** Blobs written before the commit (unreferenced until it succeeds). */
  written: string[];
  sets: [Deno.KvKey, unknown][];
  deletes: Deno.KvKey[];
  entries: OutboxEntry[];
  stored?: StoredQuery;
  mutations: number;
  /** Upper estimate of the commit bytes this run adds. */
  bytes: number;
  /** The replaced chunks are deleted in the commit itself (not after it). */
  foldedDeletes: boolean;
}

/** Deno KV's limits on one atomic operation (checks, mutations, total bytes), with margin. */
const MAX_CHECKS = 100;
const MAX_MUTATIONS = 900;
const MAX_COMMIT_BYTES = 700_000;
const CHUNK = 60_000;
const CHUNKS_PER_COMMIT = 12;
const INLINE_LIMIT = 32_000;
/**
 * Replaced chunks up to this many are deleted in the run's own commit (one transaction of the
 * store's writer a changed run instead of two); more are deleted after it.
 */
const FOLDED_DELETES = 100;
/**
 * Listing 60 KB chunks a few at a time: Deno KV reads a whole batch (500 entries by default,
 * 30 MB of chunks) into native memory that the process keeps afterwards.
 */
const CHUNK_BATCH = { batchSize: 16 };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The store. */
export class Store {
  #seq: bigint | undefined;
  /**
   * Query states as last read or committed through this store. Only this store writes them
   * (one daemon per database holds its lock), so the cache stays the stored truth; the
   * versionstamp check of every commit would still catch a writer elsewhere.
   */
  readonly #queries = new Map<string, Deno.KvEntryMaybe<StoredQuery>>();
  /**
   * Blobs written for runs whose commit failed (a full disk): nothing refers to them, so they
   * are deleted once the database takes writes again rather than filling it until a restart.
   */
  readonly #orphans = new Set<string>();
  /** Row chunks written for runs whose commit failed, or replaced ones a delete missed. */
  #orphanKeys: Deno.KvKey[] = [];

  /**
   * `executing`: the marks of the queries running now (by default in memory only; openStore
   * keeps them in a file beside the database).
   */
  constructor(readonly kv: Deno.Kv, readonly executing: ExecutingMarks = new ExecutingMarks(undefined)) {}

  /** Closes the KV handle and the marks file. */
  close(): void {
    this.executing.close();
    this.kv.close();
  }

  /**
   * Writes text (or its UTF-8 bytes, read before this resolves) as a new immutable blob; returns
   * its id and chunk count.
   */
  async putBlob(text: string | Uint8Array, id: string = crypto.randomUUID()): Promise<{ id: string; chunks: number }> {
    const bytes = typeof text === "string" ? encoder.encode(text) : text;
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
    for await (const e of this.kv.list<Uint8Array>({ prefix: ["blob", id] }, CHUNK_BATCH)) parts.push(e.value);
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
    for await (const e of this.kv.list({ prefix: ["blob", id] }, CHUNK_BATCH)) keys.push(e.key);
    for (let i = 0; i < keys.length; i += 500) {
      const op = this.kv.atomic();
      for (const k of keys.slice(i, i + 500)) op.delete(k);
      await op.commit();
    }
  }

  /** A query's stored state and its versionstamp (for the commit's check). */
  async getQuery(name: string): Promise<Deno.KvEntryMaybe<StoredQuery>> {
    const hit = this.#queries.get(name);
    if (hit) return hit;
    const entry = await this.kv.get<StoredQuery>(["query", name]);
    this.#queries.set(name, entry);
    return entry;
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
  async commitRun(run: RunCommit): Promise<bigint | undefined> {
    const [outcome] = await this.commitRuns([run]);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  /**
   * Commits several runs (of different queries) with as few atomic commits as Deno KV's limits
   * allow, in order. Each run stays atomic on its own: its state, blob switch and outbox entry
   * are always in one commit. Returns, per run, its outbox sequence (undefined without lines)
   * or the {@linkcode StoreError} that kept it from being committed.
   */
  async commitRuns(runs: RunCommit[]): Promise<(bigint | undefined | StoreError)[]> {
    const prepared: PreparedRun[] = [];
    /** For each prepared run, its index in `runs`. */
    const index: number[] = [];
    const outcomes: (bigint | undefined | StoreError)[] = new Array(runs.length);
    for (const [k, run] of runs.entries()) {
      // Its mark was in the marks file (core/kv/executing.ts), not in the database: nothing to clear.
      if (writesNothing(run)) {
        outcomes[k] = undefined;
        continue;
      }
      const written = (run.lineBlobs ?? []).map((b) => b.blob);
      try {
        prepared.push(await this.#prepare(run, written));
        index.push(k);
      } catch (err) {
        // Its blobs and chunks (possibly half written) are orphans; the other runs may still commit.
        for (const id of written) this.#orphans.add(id);
        this.#orphanKeys.push(...run.rows?.written ?? []);
        outcomes[k] = new StoreError(`Writing the results of ${run.name} failed: ${(err as Error).message}`);
      }
    }
    (await this.#commitPrepared(prepared)).forEach((o, j) => (outcomes[index[j]] = o));
    // A conflict means the cached state is not the stored one: read it again next time.
    runs.forEach((run, k) => outcomes[k] instanceof Error && this.#queries.delete(run.name));
    await this.#deleteOrphans();
    return outcomes;
  }

  /** Commits prepared runs in groups; per run its sequence or the error that kept it out. */
  async #commitPrepared(prepared: PreparedRun[]): Promise<(bigint | undefined | StoreError)[]> {
    const outcomes: (bigint | undefined | StoreError)[] = new Array(prepared.length);
    let i = 0;
    while (i < prepared.length) {
      // The largest group from i that fits one commit (at least one run).
      let j = i;
      let mutations = 0;
      let bytes = 0;
      while (j < prepared.length) {
        const p = prepared[j];
        const m = mutations + p.mutations + p.entries.length + 1;
        const b = bytes + p.bytes;
        if (j > i && (j - i >= MAX_CHECKS || m > MAX_MUTATIONS || b > MAX_COMMIT_BYTES)) break;
        mutations = m;
        bytes = b;
        j++;
      }
      const group = prepared.slice(i, j);
      let results: (bigint | undefined)[] | undefined;
      try {
        results = await this.#commitGroup(group);
      } catch (err) {
        // The commit itself failed (a full disk): none of the group counts; the next run diffs
        // against the state still stored. Later groups are tried (a smaller one may fit).
        for (let k = 0; k < group.length; k++) {
          outcomes[i + k] = new StoreError(
            `Committing the results of ${group[k].run.name} failed: ${(err as Error).message}`,
          );
        }
        i = j;
        continue;
      }
      if (results) {
        for (let k = 0; k < group.length; k++) outcomes[i + k] = results[k];
      } else if (group.length === 1) {
        outcomes[i] = new StoreError(
          `The results of ${group[0].run.name} changed underneath this run; they were not committed.`,
        );
      } else {
        // One of them conflicted: commit each alone so the others still count.
        for (let k = 0; k < group.length; k++) {
          try {
            const alone = await this.#commitGroup([group[k]]);
            outcomes[i + k] = alone ? alone[0] : new StoreError(
              `The results of ${group[k].run.name} changed underneath this run; they were not committed.`,
            );
          } catch (err) {
            outcomes[i + k] = new StoreError(
              `Committing the results of ${group[k].run.name} failed: ${(err as Error).message}`,
            );
          }
        }
      }
      i = j;
    }
    prepared.forEach((p, k) => {
      if (!(outcomes[k] instanceof Error)) return;
      p.written.forEach((id) => this.#orphans.add(id));
      this.#orphanKeys.push(...p.run.rows?.written ?? []);
    });
    return outcomes;
  }

  /** Deletes orphaned blobs and chunks no committed state refers to (best effort: a full disk keeps them listed). */
  async #deleteOrphans(): Promise<void> {
    if (this.#orphanKeys.length) {
      try {
        await this.#deleteKeys(this.#orphanKeys);
        this.#orphanKeys = [];
      } catch {
        return;
      }
    }
    for (const id of [...this.#orphans]) {
      try {
        await this.deleteBlob(id);
        this.#orphans.delete(id);
      } catch {
        return;
      }
    }
  }

  /** Writes what must precede the commit (large blobs) and lists the run's mutations. */
  async #prepare(run: RunCommit, written: string[]): Promise<PreparedRun> {
    const { name, previous, state, rows, lines, category } = run;
    const sets: [Deno.KvKey, unknown][] = [];
    const deletes: Deno.KvKey[] = [["executing", name]];
    let bytes = 0;
    let stored: StoredQuery | undefined;
    if (state) {
      const old = previous.value;
      stored = rows
        ? { ...state, rows: rows.rows, parts: rows.parts, ...(rows.deltas ? { deltas: rows.deltas } : {}) }
        : {
          ...state,
          rows: old?.rows ?? 0,
          ...(old?.parts ? { parts: old.parts } : {}),
          ...(old?.deltas ? { deltas: old.deltas } : {}),
          ...(old?.blob ? { blob: old.blob } : {}),
        };
      bytes += ((stored.parts?.length ?? 0) + (stored.deltas?.length ?? 0)) * 8;
    }
    // Batches written ahead come first: `lines` is the run's last, partial batch.
    const entries: OutboxEntry[] = (run.lineBlobs ?? []).map((b) => ({ category, name, blob: b.blob, count: b.count }));
    if (lines.length) {
      const size = lines.reduce((n, l) => n + l.length + 1, 0);
      if (size <= INLINE_LIMIT) {
        entries.push({ category, name, lines, count: lines.length });
        // Inline lines are JSON text; multi-byte characters count up to 3 bytes each.
        bytes += size * 3;
      } else {
        const id = crypto.randomUUID();
        written.push(id);
        entries.push({ category, name, blob: (await this.putBlob(lines.join("\n"), id)).id, count: lines.length });
      }
    }
    if (stored) sets.push([["query", name], stored]);
    for (const [key, value] of run.extra ?? []) sets.push([key, value]);
    for (const [key, value] of rows?.sets ?? []) sets.push([key, value]);
    bytes += rows?.setsBytes ?? 0;
    const foldedDeletes = !!rows && rows.replaced.length <= FOLDED_DELETES;
    if (foldedDeletes) deletes.push(...rows!.replaced);
    bytes += 1024 + name.length * 3 * (sets.length + deletes.length) + entries.length * (200 + name.length * 3);
    return {
      run,
      written,
      sets,
      deletes,
      entries,
      stored,
      mutations: sets.length + deletes.length,
      bytes,
      foldedDeletes,
    };
  }

  /** Commits prepared runs in one atomic operation; undefined when a check failed. */
  async #commitGroup(group: PreparedRun[]): Promise<(bigint | undefined)[] | undefined> {
    const op = this.kv.atomic();
    const seqs: (bigint | undefined)[] = [];
    let last: bigint | undefined;
    for (const p of group) {
      op.check(p.run.previous);
      for (const [key, value] of p.sets) op.set(key, value);
      for (const key of p.deletes) op.delete(key);
      let seq: bigint | undefined;
      for (const entry of p.entries) {
        seq = await this.#nextSeq();
        op.set(["outbox", seq], entry);
        last = seq;
      }
      seqs.push(seq);
    }
    if (last !== undefined) op.set(["meta", "outbox_seq"], last);
    const res = await op.commit();
    if (!res.ok) {
      // Sequence numbers handed out here were not used: read the stored one again.
      if (last !== undefined) this.#seq = undefined;
      return undefined;
    }
    for (const p of group) await this.#committed(p, res.versionstamp);
    return seqs;
  }

  /** After a run's commit: the query cache, and the chunks (or old rows blob) it replaced. */
  async #committed(p: PreparedRun, versionstamp: string): Promise<void> {
    const { run, stored } = p;
    if (stored) this.#queries.set(run.name, { key: ["query", run.name], value: stored, versionstamp });
    if (!run.rows) return;
    // The run is committed whatever happens here: a delete a full disk refuses is retried later.
    try {
      if (!p.foldedDeletes) await this.#deleteKeys(run.rows.replaced);
    } catch {
      this.#orphanKeys.push(...run.rows.replaced);
    }
    if (run.rows.replacedBlob) {
      try {
        await this.deleteBlob(run.rows.replacedBlob);
      } catch {
        this.#orphans.add(run.rows.replacedBlob);
      }
    }
  }

  /** Drops row chunks written for a run that will not commit (kept listed if the delete fails). */
  async discardRows(rows: RowsUpdate): Promise<void> {
    try {
      await this.#deleteKeys(rows.written);
    } catch {
      this.#orphanKeys.push(...rows.written);
    }
  }

  /** Deletes keys in as few commits as Deno KV allows. */
  async #deleteKeys(keys: Deno.KvKey[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 500) {
      const op = this.kv.atomic();
      for (const key of keys.slice(i, i + 500)) op.delete(key);
      const res = await op.commit();
      if (!res.ok) throw new StoreError("Deleting result chunks failed.");
    }
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

  /** Every (logger, seq) shipped mark, as `logger` + "\0" + seq. */
  async shippedMarks(): Promise<Set<string>> {
    const marks = new Set<string>();
    for await (const e of this.kv.list({ prefix: ["shipped"] })) marks.add(`${String(e.key[1])}\0${String(e.key[2])}`);
    return marks;
  }

  /**
   * Records that `logger` has every entry in `seqs`, clearing its write intent in the same
   * commit, or replacing it with `nextIntent` (where its next write starts).
   */
  async markShippedMany(logger: string, seqs: bigint[], nextIntent?: unknown): Promise<void> {
    const op = this.kv.atomic();
    if (nextIntent === undefined) op.delete(["intent", logger]);
    else op.set(["intent", logger], nextIntent);
    for (const seq of seqs) op.set(["shipped", logger, seq], true);
    const res = await op.commit();
    if (!res.ok) throw new StoreError("Marking shipped outbox entries failed.");
  }

  /**
   * The last logger has every entry of `batch`: in one commit the entries, every logger's marks
   * and this logger's write intent go (see {@linkcode finishEntry}), or the intent is replaced by
   * `nextIntent` (where its next write starts). Then their blobs go.
   */
  async finishEntries(
    logger: string,
    batch: { seq: bigint; entry: OutboxEntry }[],
    loggers: string[],
    nextIntent?: unknown,
  ): Promise<void> {
    const op = this.kv.atomic();
    if (nextIntent === undefined) op.delete(["intent", logger]);
    else op.set(["intent", logger], nextIntent);
    for (const { seq } of batch) {
      op.delete(["outbox", seq]);
      for (const l of loggers) op.delete(["shipped", l, seq]);
    }
    const res = await op.commit();
    if (!res.ok) throw new StoreError("Retiring shipped outbox entries failed.");
    for (const { entry } of batch) if (entry.blob) await this.deleteBlob(entry.blob);
  }

  /** Removes a fully shipped entry with its marks and blob. */
  async retire(seq: bigint, entry: OutboxEntry, loggers: string[]): Promise<void> {
    const op = this.kv.atomic().delete(["outbox", seq]);
    for (const l of loggers) op.delete(["shipped", l, seq]);
    await op.commit();
    if (entry.blob) await this.deleteBlob(entry.blob);
  }

  /**
   * Deletes blobs and row chunks no query state or outbox entry refers to (left by a crash
   * mid-run); returns how many blobs and chunks went.
   */
  async collectGarbage(): Promise<number> {
    const live = new Set<string>();
    const parts = new Map<string, Float64Array>();
    const deltas = new Map<string, Float64Array>();
    for await (const e of this.kv.list<StoredQuery>({ prefix: ["query"] })) {
      if (e.value.blob) live.add(e.value.blob);
      if (e.value.parts) parts.set(e.key[1] as string, e.value.parts);
      if (e.value.deltas) deltas.set(e.key[1] as string, e.value.deltas);
    }
    // A chunk counts when its query's state names its generation for its bucket, a delta
    // (`[..., gen, "d", id]`) when the state names its id too.
    const stray: Deno.KvKey[] = [];
    for await (const e of this.kv.list({ prefix: ["rows"] }, CHUNK_BATCH)) {
      const [, name, bucket, gen, kind, id] = e.key;
      if (parts.get(name as string)?.[bucket as number] !== gen) stray.push(e.key);
      else if (kind === "d" && (deltas.get(name as string)?.[bucket as number] ?? 0) !== id) stray.push(e.key);
    }
    await this.#deleteKeys(stray);
    for await (const e of this.kv.list<OutboxEntry>({ prefix: ["outbox"] })) if (e.value.blob) live.add(e.value.blob);
    const dead = new Set<string>();
    for await (const e of this.kv.list({ prefix: ["blob"] }, CHUNK_BATCH)) {
      const id = e.key[1] as string;
      if (!live.has(id)) dead.add(id);
    }
    for (const id of dead) await this.deleteBlob(id);
    return dead.size + stray.length;
  }

  /** A small value by key. */
  async get<T>(key: Deno.KvKey): Promise<T | null> {
    return (await this.kv.get<T>(key)).value;
  }

  /** Sets a small value. */
  async set(key: Deno.KvKey, value: unknown): Promise<void> {
    if (key[0] === "query") this.#queries.delete(String(key[1]));
    await this.kv.set(key, value);
  }

  /** Deletes a key. */
  async delete(key: Deno.KvKey): Promise<void> {
    if (key[0] === "query") this.#queries.delete(String(key[1]));
    await this.kv.delete(key);
  }

  /** Every entry under a prefix. */
  async list<T>(prefix: Deno.KvKey): Promise<{ key: Deno.KvKey; value: T }[]> {
    const out: { key: Deno.KvKey; value: T }[] = [];
    for await (const e of this.kv.list<T>({ prefix })) out.push({ key: e.key, value: e.value });
    return out;
  }
}
