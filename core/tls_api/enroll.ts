/**
 * Enrollment with the TLS server: the enroll secret (`--enroll_secret_path`, else
 * `--enroll_secret_env`), the host's details, and the node key the server answers, kept in a
 * small persistent store so a restart reuses it (`--enroll_always` enrolls anew at start;
 * `--disable_enrollment` never enrolls). Attempts follow osquery: up to
 * `--tls_enroll_max_attempts` (0 = without end), waiting 1, 4, 9, ... seconds between them, at
 * most `--tls_enroll_max_interval`.
 *
 * @module
 */
import "./flags.ts";
import { flags } from "../flags/flags.ts";
import { platformMask } from "../runtime/process.ts";
import { type JsonObject, RemoteError, type TlsTransport } from "./transport.ts";

/** Where the node key is kept between runs. */
export interface NodeKeyStore {
  get(): Promise<string | undefined>;
  set(key: string): Promise<void>;
  clear(): Promise<void>;
}

/** The KV key of the node key (beside the daemon's own keys, see core/kv/store.ts). */
export const NODE_KEY_KV_KEY: Deno.KvKey = ["remote", "node_key"];

/** A {@linkcode NodeKeyStore} in Deno KV (`["remote", "node_key"]`, with `["remote", "node_key_time"]`). */
export class KvNodeKeyStore implements NodeKeyStore {
  constructor(readonly kv: Deno.Kv) {}
  async get(): Promise<string | undefined> {
    const entry = await this.kv.get<string>(NODE_KEY_KV_KEY);
    return typeof entry.value === "string" && entry.value !== "" ? entry.value : undefined;
  }
  async set(key: string): Promise<void> {
    await this.kv.atomic()
      .set(NODE_KEY_KV_KEY, key)
      .set(["remote", "node_key_time"], Math.floor(Date.now() / 1000))
      .commit();
  }
  async clear(): Promise<void> {
    await this.kv.delete(NODE_KEY_KV_KEY);
  }
}

/** A {@linkcode NodeKeyStore} in memory (tests, `--disable_database`). */
export class MemoryNodeKeyStore implements NodeKeyStore {
  key: string | undefined;
  get(): Promise<string | undefined> {
    return Promise.resolve(this.key);
  }
  set(key: string): Promise<void> {
    this.key = key;
    return Promise.resolve();
  }
  clear(): Promise<void> {
    this.key = undefined;
    return Promise.resolve();
  }
}

/**
 * The enroll secret: the trimmed contents of `--enroll_secret_path`, else the value of the
 * variable `--enroll_secret_env` names, else "". A secret that cannot be read is "" with a warning.
 */
export function enrollSecret(warn: (message: string) => void = () => {}): string {
  const path = flags.string("enroll_secret_path");
  if (path) {
    try {
      return Deno.readTextFileSync(path).trim();
    } catch (err) {
      warn(`Could not read the enroll secret file at ${path}, error: ${(err as Error).message}`);
      return "";
    }
  }
  const name = flags.string("enroll_secret_env");
  if (name) {
    const value = Deno.env.get(name);
    if (value === undefined) warn(`Could not get enroll secret from environment variable: ${name}`);
    return value ?? "";
  }
  return "";
}

/** The tables whose first row is sent as `host_details` at enrollment. */
export const HOST_DETAIL_TABLES = ["os_version", "osquery_info", "system_info", "platform_info"] as const;

/** Something that runs SQL (the daemon's Engine). */
export interface SqlRunner {
  query(sql: string): Record<string, unknown>[];
}

/** `host_details`: the first row of each detail table, every value as text (osquery's rows are text). */
export function hostDetails(engine: SqlRunner): Record<string, Record<string, string>> {
  const details: Record<string, Record<string, string>> = {};
  for (const table of HOST_DETAIL_TABLES) {
    let rows: Record<string, unknown>[];
    try {
      rows = engine.query(`SELECT * FROM ${table}`);
    } catch {
      continue; // a table this host lacks is left out, as osquery does
    }
    if (rows.length === 0) continue;
    const row: Record<string, string> = {};
    for (const [k, v] of Object.entries(rows[0])) row[k] = cellText(v);
    details[table] = row;
  }
  return details;
}

const decoder = new TextDecoder();

/** A SQL value as osquery's row text (NULL is ""). */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Uint8Array) return decoder.decode(v);
  return String(v);
}

/** Waits `ms`, or less when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });
}

/** What the enroller needs. */
export interface EnrollerOptions {
  transport: TlsTransport;
  store: NodeKeyStore;
  engine: SqlRunner;
  /** The host identifier as the daemon computes it (`--host_identifier`). */
  hostIdentifier: () => string | Promise<string>;
  /** Status warnings. */
  onWarning?: (message: string) => void;
  /** Waits between attempts (tests shorten it). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Ends waits and further attempts (daemon shutdown). */
  signal?: AbortSignal;
}

/** Obtains and keeps the node key. Concurrent callers share one enrollment. */
export class Enroller {
  readonly #o: EnrollerOptions;
  #key: string | undefined;
  #pending: Promise<string> | undefined;
  /** `--enroll_always`: the stored key is ignored until this process enrolled once. */
  #fresh = flags.bool("enroll_always");

  constructor(options: EnrollerOptions) {
    this.#o = options;
  }

  /** The node key: from memory, the store, or a new enrollment. "" with `--disable_enrollment`. */
  nodeKey(): Promise<string> {
    if (flags.bool("disable_enrollment")) return Promise.resolve("");
    if (this.#key) return Promise.resolve(this.#key);
    this.#pending ??= this.#obtain().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  async #obtain(): Promise<string> {
    if (this.#fresh) {
      this.#fresh = false;
      await this.#o.store.clear();
    } else {
      const stored = await this.#o.store.get();
      if (stored) return (this.#key = stored);
    }
    const key = await this.enroll();
    await this.#o.store.set(key);
    return (this.#key = key);
  }

  /** Forgets the node key (the server said it is invalid); the next {@linkcode nodeKey} enrolls. */
  async invalidate(): Promise<void> {
    this.#key = undefined;
    await this.#o.store.clear();
  }

  /** Query parameters every request carries with `--tls_secret_always`. */
  secretParams(): Record<string, string> {
    if (!flags.bool("tls_secret_always")) return {};
    return { [flags.string("tls_enroll_override")]: enrollSecret(this.#o.onWarning) };
  }

  /** Enrolls with osquery's attempts and waits; resolves to the new node key or throws the last error. */
  async enroll(): Promise<string> {
    const max = flags.number("tls_enroll_max_attempts");
    const maxInterval = flags.number("tls_enroll_max_interval");
    const wait = this.#o.sleep ?? sleep;
    let step = 1;
    for (let attempt = 1;; attempt++) {
      try {
        return await this.#requestKey();
      } catch (err) {
        if ((max > 0 && attempt >= max) || this.#o.signal?.aborted) throw err;
        this.#o.onWarning?.(`Failed enrollment request (${(err as Error).message}) retrying...`);
        const interval = Math.min(step * step, maxInterval);
        if (interval < maxInterval) step++;
        await wait(interval * 1000, this.#o.signal);
        if (this.#o.signal?.aborted) throw err;
      }
    }
  }

  async #requestKey(): Promise<string> {
    const endpoint = flags.string("enroll_tls_endpoint");
    const body: JsonObject = {
      [flags.string("tls_enroll_override")]: enrollSecret(this.#o.onWarning),
      host_identifier: await this.#o.hostIdentifier(),
      platform_type: String(platformMask()),
      host_details: hostDetails(this.#o.engine),
    };
    const answer = await this.#o.transport.post(endpoint, body, {
      params: this.secretParams(),
      signal: this.#o.signal,
    });
    const key = answer.node_key ?? answer.id;
    if (typeof key !== "string" || key === "") {
      const why = typeof answer.error === "string" ? `: ${answer.error}` : "";
      throw new RemoteError(
        `The TLS server answered enrollment at ${endpoint || "/"} without a node key${why}; ` +
          `check the enroll secret (--enroll_secret_path or --enroll_secret_env).`,
        "enroll",
        endpoint,
      );
    }
    return key;
  }
}
