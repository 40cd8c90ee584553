/**
 * File carving: the runner that archives and uploads requested carves (the requests and their
 * state are kept by store.ts, re-exported here).
 *
 * A carve is requested by `SELECT ... FROM carves WHERE path ... AND carve = 1` (or the
 * `carve()` SQL function) and recorded as SCHEDULED. The daemon's runner then takes each
 * scheduled carve through osquery's states: STARTING, PENDING (archiving), then SUCCESS, or a
 * failure status naming the step that failed (CREATE PATHS FAILED, ARCHIVE FAILED, COMPRESS
 * FAILED, DATA POST FAILED). The archive (a pax tar, zstd-compressed with
 * `--carver_compression`) is made in a private temporary directory that is removed afterwards;
 * it is uploaded to the TLS server's carver endpoints as `--carver_block_size` blocks, base64
 * in JSON. Successful carves stay listed for `--carver_expiry` seconds.
 *
 * The records live in memory, where the `carves` table's synchronous generator can read them;
 * the daemon mirrors every change to its store ({@linkcode CarveStore.onChange}) and loads them
 * back at start, so a carve requested before a restart is still run.
 *
 * @module
 */
import { nodeCrypto } from "../runtime/node_builtins.ts";
import { compressFile, writeArchive } from "./archive.ts";
import { type CarveRecord, CarveStatus, type CarveStore } from "./store.ts";

// The records and their store live in store.ts (what the SQL functions load at start-up); they are
// re-exported here for the runner's users.
export { type CarveChange, type CarveRecord, CarveStatus, CarveStore, carveStore } from "./store.ts";

/** Where carves are uploaded: the TLS server's carver endpoints. */
export interface CarveUploader {
  /** POSTs to the start endpoint and resolves to its JSON answer. */
  start(body: Record<string, unknown>): Promise<unknown>;
  /** POSTs one block to the continue endpoint. */
  send(body: Record<string, unknown>): Promise<void>;
}

/** Raised when an upload cannot go on. */
export class CarveUploadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CarveUploadError";
  }
}

/** How the runner carves. */
export interface CarveOptions {
  uploader: CarveUploader;
  /** Bytes per block (`--carver_block_size`). */
  blockSize: number;
  /** zstd-compress the archive (`--carver_compression`). */
  compression: boolean;
  /** Seconds a successful carve stays listed (`--carver_expiry`). */
  expirySeconds: number;
  /** Largest archive that gets a SHA-256 (`--read_max`); larger ones report "-1", as osquery. */
  readMax: number;
  /** The node key sent with the start request. */
  nodeKey?: string;
  /** Parent of the private working directories (default: the system's temporary directory). */
  tempDir?: string;
  /** Waits between attempts (tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const ATTEMPTS = 3;

/**
 * Expires old successful carves and runs every SCHEDULED one, one after another. Resolves to
 * the number of carves run (whatever their outcome).
 */
export async function runPendingCarves(store: CarveStore, options: CarveOptions): Promise<number> {
  const now = options.now ?? Date.now;
  let ran = 0;
  for (const record of store.list()) {
    if (record.status === CarveStatus.SUCCESS && now() / 1000 - record.time > options.expirySeconds) {
      store.delete(record.carve_guid);
      continue;
    }
    if (record.status !== CarveStatus.SCHEDULED) continue;
    store.update(record.carve_guid, { status: CarveStatus.STARTING });
    await carveOne(store, record, options);
    ran++;
  }
  return ran;
}

async function carveOne(store: CarveStore, record: CarveRecord, options: CarveOptions): Promise<void> {
  const guid = record.carve_guid;
  let dir: string;
  try {
    dir = await Deno.makeTempDir({ dir: options.tempDir, prefix: `osquery-carve-${guid}-` });
    await Deno.chmod(dir, 0o700);
  } catch {
    store.update(guid, { status: CarveStatus.CREATE_PATHS_FAILED });
    return;
  }
  try {
    store.update(guid, { status: CarveStatus.PENDING });
    const tar = `${dir}/carve-${guid}.tar`;
    try {
      await writeArchive(record.path.split(",").filter(Boolean), tar);
    } catch {
      store.update(guid, { status: CarveStatus.ARCHIVE_FAILED });
      return;
    }
    let upload = tar;
    if (options.compression) {
      upload = `${tar}.zst`;
      try {
        await compressFile(tar, upload);
      } catch {
        store.update(guid, { status: CarveStatus.COMPRESS_FAILED });
        return;
      }
    }
    const size = (await Deno.stat(upload)).size;
    store.update(guid, { size });
    store.update(guid, { sha256: size > options.readMax ? "-1" : await sha256File(upload) });
    try {
      await postCarve(upload, size, record, options);
      store.update(guid, { status: CarveStatus.SUCCESS });
    } catch {
      store.update(guid, { status: CarveStatus.DATA_POST_FAILED });
    }
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = nodeCrypto().createHash("sha256");
  const file = await Deno.open(path, { read: true });
  try {
    const buf = new Uint8Array(1 << 20);
    for (;;) {
      const n = await file.read(buf);
      if (n === null || n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    file.close();
  }
  return hash.digest("hex");
}

/** One request with osquery's three attempts, waiting 1 s then 4 s between them. */
async function withRetries<T>(options: CarveOptions, call: () => Promise<T>): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1;; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= ATTEMPTS) throw err;
      await sleep(attempt * attempt * 1000);
    }
  }
}

async function postCarve(path: string, size: number, record: CarveRecord, options: CarveOptions): Promise<void> {
  const blockSize = Math.max(1, options.blockSize);
  const blockCount = Math.ceil(size / blockSize);
  const answer = await withRetries(options, () =>
    options.uploader.start({
      block_count: blockCount,
      block_size: blockSize,
      carve_size: size,
      carve_id: record.carve_guid,
      request_id: record.request_id,
      node_key: options.nodeKey ?? "",
    }));
  const session = (answer as { session_id?: unknown } | null)?.session_id;
  if (typeof session !== "string" || session === "") {
    throw new CarveUploadError("The carver start endpoint answered without a session_id.");
  }
  const file = await Deno.open(path, { read: true });
  try {
    const block = new Uint8Array(blockSize);
    for (let id = 0; id < blockCount; id++) {
      let filled = 0;
      while (filled < blockSize) {
        const n = await file.read(block.subarray(filled));
        if (n === null || n === 0) break;
        filled += n;
      }
      const data = block.subarray(0, filled).toBase64();
      await withRetries(
        options,
        () => options.uploader.send({ block_id: id, session_id: session, request_id: record.request_id, data }),
      );
    }
  } finally {
    file.close();
  }
}
