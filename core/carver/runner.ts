/**
 * The daemon's carver service: keeps the carves in the daemon's store across restarts and runs
 * scheduled carves in the background, one at a time, as osquery's carver runnable does.
 *
 * @module
 */
import "./flags.ts";
import { flags } from "../flags/flags.ts";
import { type CarveRecord, CarveStatus, type CarveStore, type CarveUploader, runPendingCarves } from "./carves.ts";

/** Deno KV key prefix of the carves (one entry per carve GUID). */
export const CARVES_KV_PREFIX: Deno.KvKey = ["carves"];

/** What the service needs. */
export interface CarverServiceOptions {
  store: CarveStore;
  kv: Deno.Kv;
  uploader: CarveUploader;
  /** The node key sent with the start request. */
  nodeKey?: () => Promise<string>;
  /** How often scheduled carves are looked for (ms; default 1000). */
  intervalMs?: number;
  /** Status messages (severity as glog numbers it). */
  onStatus?: (severity: number, message: string) => void;
  tempDir?: string;
  sleep?: (ms: number) => Promise<void>;
}

/** A running carver service. */
export interface CarverService {
  /** Runs the scheduled carves now (resolves when they are done). */
  runNow(): Promise<number>;
  /** Stops looking for carves and waits for the one running. */
  stop(): Promise<void>;
}

/**
 * Loads the stored carves into `store`, mirrors every change back to KV, and runs scheduled
 * carves every interval while `--disable_carver=false`. A carve that was STARTING or PENDING
 * when the daemon died is run again from the start (its archive was in a removed directory).
 */
export async function startCarverService(options: CarverServiceOptions): Promise<CarverService> {
  const { store, kv } = options;
  const status = options.onStatus ?? (() => {});
  const stored: CarveRecord[] = [];
  for await (const entry of kv.list<CarveRecord>({ prefix: CARVES_KV_PREFIX })) stored.push(entry.value);
  store.load(stored);
  for (const r of store.list()) {
    if (r.status === CarveStatus.STARTING || r.status === CarveStatus.PENDING) {
      store.update(r.carve_guid, { status: CarveStatus.SCHEDULED });
    }
  }
  const writes = new Set<Promise<unknown>>();
  const unsubscribe = store.onChange((change) => {
    const key = [...CARVES_KV_PREFIX, change.type === "set" ? change.record.carve_guid : change.guid];
    const write = (change.type === "set" ? kv.set(key, change.record) : kv.delete(key)).catch((err) =>
      status(1, `Cannot store carve state: ${err instanceof Error ? err.message : err}`)
    );
    writes.add(write);
    write.finally(() => writes.delete(write));
  });
  // Changes made before this service existed (the load above, requests from queries) reach KV.
  for (const r of store.list()) await kv.set([...CARVES_KV_PREFIX, r.carve_guid], r);

  let running: Promise<number> | undefined;
  let stopped = false;
  const runNow = (): Promise<number> => {
    if (running) return running;
    running = (async () => {
      try {
        return await runPendingCarves(store, {
          uploader: options.uploader,
          blockSize: flags.number("carver_block_size"),
          compression: flags.bool("carver_compression"),
          expirySeconds: flags.number("carver_expiry"),
          readMax: flags.has("read_max") ? flags.number("read_max") : 50 << 20,
          nodeKey: options.nodeKey ? await options.nodeKey().catch(() => "") : "",
          tempDir: options.tempDir,
          sleep: options.sleep,
        });
      } catch (err) {
        status(2, `The carver failed: ${err instanceof Error ? err.message : err}`);
        return 0;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(() => {
    if (stopped || running || flags.bool("disable_carver")) return;
    const now = Date.now() / 1000;
    const expiry = flags.number("carver_expiry");
    const due = store.list().some((r) =>
      r.status === CarveStatus.SCHEDULED || (r.status === CarveStatus.SUCCESS && now - r.time > expiry)
    );
    if (due) runNow();
  }, options.intervalMs ?? 1000);
  return {
    runNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      unsubscribe();
      await Promise.all(writes);
    },
  };
}
