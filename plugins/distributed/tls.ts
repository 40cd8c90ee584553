/**
 * The `tls` distributed plugin: every `--distributed_interval` seconds the node asks
 * `--distributed_tls_read_endpoint` for work (`{"queries": {id: sql}, "discovery": {id: sql},
 * "accelerate": seconds}`), runs each query (one with a discovery query only when that returns
 * at least one row), and writes `{"queries": {id: [rows]}, "statuses": {id: code}, "messages":
 * {id: text}, "stats": {id: {wall_time_ms, user_time, system_time, memory}}}` to
 * `--distributed_tls_write_endpoint`. Rows are text maps, as osquery's; a status is 0 or the
 * SQLite result code of the error, with its message. `accelerate: N` makes the next check-ins
 * every 5 seconds for N seconds. Each request gets `--distributed_tls_max_attempts`; results
 * whose write failed are kept and written with the next check-in.
 *
 * A query that was running when the daemon died is refused for
 * `--distributed_denylist_duration` seconds (status 1, "distributed query is denylisted") when
 * a {@linkcode RunningQueryStore} is given, as osquery does.
 *
 * Differences from osquery, on purpose: a discovery query that fails (SQL error) keeps only its
 * own query from running (osquery drops the whole batch); a malformed entry is skipped instead
 * of rejecting the batch.
 *
 * @module
 */
import "../../core/tls_api/flags.ts";
import { createHash } from "node:crypto";
import { flags } from "../../core/flags/flags.ts";
import { doubleString, renderRow } from "../../core/results/diff.ts";
import type { Engine } from "../../core/engine.ts";
import { SqliteError } from "../../core/sqlite/database.ts";
import { RowCells, StorageClass } from "../../core/sqlite/row_cells.ts";
import type { RemoteClient } from "../../core/tls_api/client.ts";
import { sleep as defaultSleep } from "../../core/tls_api/enroll.ts";

/** Check-in period while accelerated (osquery's kDistributedAccelerationInterval). */
export const ACCELERATED_INTERVAL_SECONDS = 5;

/** Performance of one distributed query, as osquery reports it. */
export interface QueryStats {
  wall_time_ms: number;
  /** CPU milliseconds in user mode (process-wide difference). */
  user_time: number;
  system_time: number;
  /** Growth of the resident set in bytes (0 when it did not grow). */
  memory: number;
}

/** The outcome of one query. */
export interface QueryOutcome {
  rows: Record<string, string>[];
  /** 0, or the SQLite result code of the error. */
  status: number;
  /** The error text ("" on success). */
  message: string;
  stats: QueryStats;
}

/** Runs SQL for the distributed plugin. */
export type QueryRunner = (sql: string) => QueryOutcome | Promise<QueryOutcome>;

/** Where queries in progress are marked, so a crash during one denylists it. */
export interface RunningQueryStore {
  /** Unix time the query with this hash was marked running, if it is. */
  get(hash: string): Promise<number | undefined>;
  set(hash: string, unixTime: number): Promise<void>;
  delete(hash: string): Promise<void>;
  list(): Promise<[string, number][]>;
}

/** A {@linkcode RunningQueryStore} in Deno KV under `["distributed_running", sha256]`. */
export class KvRunningQueryStore implements RunningQueryStore {
  constructor(readonly kv: Deno.Kv) {}
  async get(hash: string): Promise<number | undefined> {
    const v = (await this.kv.get<number>(["distributed_running", hash])).value;
    return typeof v === "number" ? v : undefined;
  }
  async set(hash: string, unixTime: number): Promise<void> {
    await this.kv.set(["distributed_running", hash], unixTime);
  }
  async delete(hash: string): Promise<void> {
    await this.kv.delete(["distributed_running", hash]);
  }
  async list(): Promise<[string, number][]> {
    const out: [string, number][] = [];
    for await (const e of this.kv.list<number>({ prefix: ["distributed_running"] })) {
      out.push([String(e.key[1]), e.value]);
    }
    return out;
  }
}

const decoder = new TextDecoder();

/** CPU times (ms) and resident bytes of this process. */
function processUsage(): { user: number; system: number; rss: number } {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const pages = Number(Deno.readTextFileSync("/proc/self/statm").split(" ")[1]);
    // utime and stime are in clock ticks (100 per second on Linux).
    return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10, rss: pages * 4096 };
  } catch {
    return { user: 0, system: 0, rss: 0 };
  }
}

/** Runs distributed queries on `engine`: text rows of the last statement with result columns. */
export function engineRunner(engine: Engine): QueryRunner {
  return (sql: string): QueryOutcome => {
    const before = processUsage();
    const started = performance.now();
    let rows: Record<string, string>[] = [];
    let status = 0;
    let message = "";
    try {
      engine.resetCancel();
      const cells = new RowCells();
      for (const { statement } of engine.db.statements(sql)) {
        try {
          const names = statement.columnNames;
          const out: Record<string, string>[] = [];
          while (statement.step()) {
            const row: Record<string, string> = {};
            // The storage class comes before the value is read (reading may convert it).
            cells.load(statement, names.length);
            for (let i = 0; i < names.length; i++) {
              if (names[i] in row) continue; // osquery rows are maps: the first column of a name wins
              const type = cells.type(i);
              const v = statement.value(i);
              if (v === null) row[names[i]] = "";
              else if (type === StorageClass.FLOAT) row[names[i]] = doubleString(v as number);
              else if (v instanceof Uint8Array) row[names[i]] = decoder.decode(v);
              else row[names[i]] = String(v);
            }
            out.push(row);
          }
          if (names.length > 0) rows = out;
        } finally {
          statement.finalize();
        }
      }
    } catch (err) {
      rows = [];
      status = err instanceof SqliteError ? err.code : 1;
      message = (err as Error).message;
    }
    const wall = performance.now() - started;
    const after = processUsage();
    return {
      rows,
      status,
      message,
      stats: {
        wall_time_ms: Math.round(wall),
        user_time: Math.max(0, after.user - before.user),
        system_time: Math.max(0, after.system - before.system),
        memory: Math.max(0, after.rss - before.rss),
      },
    };
  };
}

/** The answer of a query thread (the shape of the daemon's QueryPool reply). */
export interface ThreadReply {
  ok: boolean;
  error?: string;
  /** Canonical rows (core/results/diff.ts). */
  rows: string[];
  wallMs: number;
  userMs: number;
  systemMs: number;
  /** Resident bytes after the query. */
  memory: number;
}

/**
 * Runs distributed queries on query threads (the daemon's QueryPool), so that a long live query
 * does not hold up the daemon's loop. Failures have status 1 (the thread reports only the text).
 */
export function threadRunner(run: (sql: string) => Promise<ThreadReply>): QueryRunner {
  return async (sql: string): Promise<QueryOutcome> => {
    const before = processUsage().rss;
    let reply: ThreadReply;
    try {
      reply = await run(sql);
    } catch (err) {
      reply = { ok: false, error: (err as Error).message, rows: [], wallMs: 0, userMs: 0, systemMs: 0, memory: 0 };
    }
    return {
      rows: reply.ok ? reply.rows.map((r) => JSON.parse(renderRow(r, false)) as Record<string, string>) : [],
      status: reply.ok ? 0 : 1,
      message: reply.ok ? "" : reply.error ?? "The query failed.",
      stats: {
        wall_time_ms: Math.round(reply.wallMs),
        user_time: Math.round(reply.userMs),
        system_time: Math.round(reply.systemMs),
        memory: Math.max(0, reply.memory - before),
      },
    };
  };
}

/** Where the runner reads work and writes results: a TLS server, or an extension's plugin. */
export type DistributedClient = Pick<RemoteClient, "request">;

/** Options of the distributed runner; unset ones come from the flags. */
export interface DistributedOptions {
  client: DistributedClient;
  /** The engine queries run on (used unless `run` is given). */
  engine?: Engine;
  /** Runs one query (e.g. on the daemon's query threads); default: {@linkcode engineRunner}. */
  run?: QueryRunner;
  /** Marks queries in progress (crash denylisting); none by default. */
  running?: RunningQueryStore;
  /** Status messages (severity as glog numbers it). */
  onStatus?: (severity: number, message: string) => void;
  readEndpoint?: string;
  writeEndpoint?: string;
  maxAttempts?: number;
  /** Milliseconds between check-ins (default `--distributed_interval` seconds). */
  intervalMs?: number;
  /** Milliseconds between accelerated check-ins (default 5000). */
  acceleratedIntervalMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** What one check-in did. */
export interface CheckIn {
  /** Query ids run (or refused) in this check-in. */
  ran: string[];
  /** Whether the results were written (false: kept for the next check-in). */
  written: boolean;
}

/** A running distributed service. */
export interface DistributedHandle {
  /** Stops the loop and waits for a check-in in progress; no timer is left. */
  stop(): Promise<void>;
  /** One check-in now (tests and `--distributed_interval=0` callers). */
  checkIn(): Promise<CheckIn>;
  /** Unix ms until which check-ins are accelerated (0 = not). */
  readonly acceleratedUntil: number;
}

/** The distributed query loop. */
export class DistributedRunner implements DistributedHandle {
  readonly #o: DistributedOptions;
  readonly #run: QueryRunner;
  readonly #now: () => number;
  readonly #stop = new AbortController();
  #pending: {
    queries: Record<string, Record<string, string>[]>;
    statuses: Record<string, number>;
    messages: Record<string, string>;
    stats: Record<string, QueryStats>;
  } = emptyResults();
  #accelerateUntil = 0;
  #loop: Promise<void> | undefined;
  #current: Promise<CheckIn> | undefined;

  constructor(options: DistributedOptions) {
    this.#o = options;
    if (!options.run && !options.engine) {
      throw new TypeError("The distributed runner needs an engine or a run function.");
    }
    this.#run = options.run ?? engineRunner(options.engine!);
    this.#now = options.now ?? Date.now;
  }

  get acceleratedUntil(): number {
    return this.#accelerateUntil > this.#now() ? this.#accelerateUntil : 0;
  }

  #status(severity: number, message: string): void {
    this.#o.onStatus?.(severity, message);
  }

  /** Starts the loop: a check-in at once, then one per interval. */
  start(): this {
    this.#loop ??= this.#forever();
    return this;
  }

  async #forever(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        await this.checkIn();
      } catch (err) {
        this.#status(1, `Distributed check-in failed: ${(err as Error).message}`);
      }
      if (signal.aborted) break;
      const interval = this.#o.intervalMs ?? flags.number("distributed_interval") * 1000;
      const fast = this.#o.acceleratedIntervalMs ?? ACCELERATED_INTERVAL_SECONDS * 1000;
      await defaultSleep(this.acceleratedUntil ? fast : Math.max(1000, interval), signal);
    }
  }

  checkIn(): Promise<CheckIn> {
    // One check-in at a time: a call during one waits for it.
    this.#current ??= this.#checkIn().finally(() => (this.#current = undefined));
    return this.#current;
  }

  async #checkIn(): Promise<CheckIn> {
    const attempts = this.#o.maxAttempts ?? flags.number("distributed_tls_max_attempts");
    const read = this.#o.readEndpoint ?? flags.string("distributed_tls_read_endpoint");
    const write = this.#o.writeEndpoint ?? flags.string("distributed_tls_write_endpoint");
    const ran: string[] = [];
    let work: Record<string, unknown> | undefined;
    try {
      work = await this.#o.client.request(read, {}, { attempts, signal: this.#stop.signal });
    } catch (err) {
      this.#status(1, `Distributed queries could not be read: ${(err as Error).message}`);
    }
    if (work) {
      this.#accelerate(work.accelerate);
      const discovery = objectOf(work.discovery);
      for (const [id, sql] of Object.entries(objectOf(work.queries))) {
        if (this.#stop.signal.aborted) break;
        if (typeof sql !== "string" || sql === "" || id === "") {
          this.#status(1, `Distributed query ${JSON.stringify(id)} is not a string; skipped`);
          continue;
        }
        const gate = discovery[id];
        if (gate !== undefined) {
          if (typeof gate !== "string" || gate === "") continue;
          const found = await this.#run(gate);
          if (found.status !== 0) {
            this.#status(1, `Distributed discovery query for ${id} has an SQL error: ${found.message}`);
            continue;
          }
          if (found.rows.length === 0) continue;
        }
        await this.#runOne(id, sql);
        ran.push(id);
      }
    }
    await this.#expireRunning();
    if (Object.keys(this.#pending.statuses).length === 0) return { ran, written: false };
    try {
      await this.#o.client.request(write, { ...this.#pending }, { attempts, signal: this.#stop.signal });
      this.#pending = emptyResults();
      return { ran, written: true };
    } catch (err) {
      this.#status(
        1,
        `Distributed results could not be written (kept for the next check-in): ${(err as Error).message}`,
      );
      return { ran, written: false };
    }
  }

  #accelerate(value: unknown): void {
    if (value === undefined) return;
    if (typeof value === "number" && Number.isInteger(value)) {
      this.#status(0, `Accelerating distributed query checkins for ${value} seconds`);
      this.#accelerateUntil = this.#now() + value * 1000;
    }
  }

  async #runOne(id: string, sql: string): Promise<void> {
    const store = this.#o.running;
    const hash = createHash("sha256").update(sql).digest("hex");
    const nowSeconds = Math.floor(this.#now() / 1000);
    if (store) {
      const since = await store.get(hash);
      if (since !== undefined && nowSeconds <= since + flags.number("distributed_denylist_duration")) {
        this.#record(id, {
          rows: [],
          status: 1,
          message: "distributed query is denylisted",
          stats: { wall_time_ms: 0, user_time: 0, system_time: 0, memory: 0 },
        });
        return;
      }
      if (since === undefined) await store.set(hash, nowSeconds);
    }
    if (flags.bool("distributed_loginfo")) this.#status(0, `Executing distributed query: ${id}: ${sql}`);
    const outcome = await this.#run(sql);
    if (outcome.status !== 0) {
      this.#status(2, `Error executing distributed query: ${id}: ${outcome.message}`);
    }
    await store?.delete(hash);
    this.#record(id, outcome);
  }

  async #expireRunning(): Promise<void> {
    const store = this.#o.running;
    if (!store) return;
    const nowSeconds = Math.floor(this.#now() / 1000);
    for (const [hash, since] of await store.list()) {
      if (nowSeconds > since + flags.number("distributed_denylist_duration")) await store.delete(hash);
    }
  }

  #record(id: string, outcome: QueryOutcome): void {
    this.#pending.queries[id] = outcome.rows;
    this.#pending.statuses[id] = outcome.status;
    this.#pending.messages[id] = outcome.message;
    this.#pending.stats[id] = outcome.stats;
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await this.#current?.catch(() => {});
  }
}

function emptyResults() {
  return {
    queries: {} as Record<string, Record<string, string>[]>,
    statuses: {} as Record<string, number>,
    messages: {} as Record<string, string>,
    stats: {} as Record<string, QueryStats>,
  };
}

function objectOf(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v as Record<string, unknown> : {};
}

/**
 * Starts the distributed loop (a check-in at once, then every interval) and returns its
 * handle. The caller checks `--disable_distributed` (see plugins/tls_api.ts).
 */
export function startDistributed(options: DistributedOptions): DistributedHandle {
  return new DistributedRunner(options).start();
}
