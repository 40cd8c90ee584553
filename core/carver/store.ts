/**
 * The carves of this process: each request's record and its state, kept in memory where the
 * `carves` table's synchronous generator and the `carve()` SQL function reach them. Only this
 * small module loads with the SQL functions; the runner that archives and uploads carves
 * (carves.ts, with the tar and zstd writers) loads only where carves are run (the daemon).
 *
 * @module
 */

/** One carve, with the fields (and JSON names) osquery stores. */
export interface CarveRecord {
  carve_guid: string;
  /** Unix seconds of the request. */
  time: number;
  status: string;
  sha256: string;
  /** Bytes of the uploaded archive (-1 until known). */
  size: number;
  request_id: string;
  /** The carved paths, comma-separated. */
  path: string;
}

/** osquery's carve statuses. */
export const CarveStatus = {
  SCHEDULED: "SCHEDULED",
  STARTING: "STARTING",
  PENDING: "PENDING",
  SUCCESS: "SUCCESS",
  CREATE_PATHS_FAILED: "CREATE PATHS FAILED",
  ARCHIVE_FAILED: "ARCHIVE FAILED",
  COMPRESS_FAILED: "COMPRESS FAILED",
  DATA_POST_FAILED: "DATA POST FAILED",
} as const;

/** A change to the store: a record written, or removed (expired). */
export type CarveChange = { type: "set"; record: CarveRecord } | { type: "delete"; guid: string };

/** The carves of this process. */
export class CarveStore {
  readonly #records = new Map<string, CarveRecord>();
  readonly #listeners = new Set<(change: CarveChange) => void>();

  /** Every carve, oldest request first. */
  list(): CarveRecord[] {
    return [...this.#records.values()].sort((a, b) => a.time - b.time);
  }

  /** One carve. */
  get(guid: string): CarveRecord | undefined {
    const r = this.#records.get(guid);
    return r ? { ...r } : undefined;
  }

  /** Records a new carve of `paths` (SCHEDULED) and returns its GUID. */
  request(paths: readonly string[], requestId: string, now = Date.now()): string {
    const guid = crypto.randomUUID();
    this.#set({
      carve_guid: guid,
      time: Math.floor(now / 1000),
      status: CarveStatus.SCHEDULED,
      sha256: "",
      size: -1,
      request_id: requestId,
      path: [...new Set(paths)].sort().join(","),
    });
    return guid;
  }

  /** Changes fields of a carve. */
  update(guid: string, fields: Partial<Omit<CarveRecord, "carve_guid">>): void {
    const record = this.#records.get(guid);
    if (record) this.#set({ ...record, ...fields });
  }

  /** Removes a carve. */
  delete(guid: string): void {
    if (this.#records.delete(guid)) this.#emit({ type: "delete", guid });
  }

  /** Loads records kept by the daemon's store (no change is emitted); malformed ones are skipped. */
  load(records: readonly unknown[]): number {
    let loaded = 0;
    for (const value of records) {
      const r = value as Partial<CarveRecord> | null;
      if (!r || typeof r !== "object" || typeof r.carve_guid !== "string" || typeof r.status !== "string") continue;
      this.#records.set(r.carve_guid, {
        carve_guid: r.carve_guid,
        time: Number(r.time) || 0,
        status: r.status,
        sha256: typeof r.sha256 === "string" ? r.sha256 : "",
        size: Number(r.size ?? -1),
        request_id: typeof r.request_id === "string" ? r.request_id : "",
        path: typeof r.path === "string" ? r.path : "",
      });
      loaded++;
    }
    return loaded;
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  onChange(listener: (change: CarveChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(record: CarveRecord): void {
    this.#records.set(record.carve_guid, record);
    this.#emit({ type: "set", record: { ...record } });
  }

  #emit(change: CarveChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // A failing mirror must not stop the carve.
      }
    }
  }
}

/** The process's carves (as osquery keeps them in its database). */
export const carveStore: CarveStore = new CarveStore();
