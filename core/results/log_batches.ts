/**
 * A differential run's log lines, rendered and written in bounded batches: a first run of a
 * million rows becomes a million event lines, which never sit in memory together. Each full
 * batch is written as a blob before the run's commit (unreferenced until then, like the run's
 * row chunks) and becomes one outbox entry in that commit; the last, partial batch travels
 * inline. Batch-format lines (`--logger_event_type=false`) are one line per run by osquery's
 * format, so they are rendered whole.
 *
 * @module
 */
import { batchLine, legacyFields, type LogItem, renderRow } from "./diff.ts";
import type { Store } from "../kv/store.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Event lines per outbox entry (about 0.5 MB of text). A batch's lines, their joined text and
 * its bytes are in memory together while it is written, and again while it is shipped: 10,000
 * lines a batch made a 100,000-row first run's worker swing by ~15 MiB per batch
 * (scripts/bench_daemon.ts --large).
 */
export const LINES_PER_BATCH = 2_000;
/** Entries of one run at most: its commit holds one mutation per entry (Deno KV allows ~1000). */
const MAX_BATCHES = 500;

/** Lines for {@linkcode RunCommit}: the last batch inline, the others already written as blobs. */
export interface RenderedLines {
  lines: string[];
  lineBlobs: { blob: string; count: number }[];
}

/**
 * Renders `removed` then `added` rows (canonical text) as the run's lines: event lines in
 * batches written to `store` as they fill, or one batch line. `total` (rows to render) makes
 * batches larger when there would be too many for one commit.
 */
export async function renderLines(
  store: Pick<Store, "putBlob" | "deleteBlob">,
  item: LogItem,
  removed: Iterable<string>,
  added: Iterable<string>,
  eventType: boolean,
  total = 0,
): Promise<RenderedLines> {
  if (!eventType) return { lines: [batchLine(item, { removed: [...removed], added: [...added] })], lineBlobs: [] };
  const head = legacyFields(item);
  if (total > 0 && total <= LINES_PER_BATCH) {
    // Lines that fit one batch (most runs) stay strings: no bytes to encode here and decode again.
    const lines: string[] = [];
    for (const row of removed) lines.push(`{${head},"columns":${renderRow(row, item.numerics)},"action":"removed"}`);
    for (const row of added) lines.push(`{${head},"columns":${renderRow(row, item.numerics)},"action":"added"}`);
    return { lines, lineBlobs: [] };
  }
  const lineBlobs: { blob: string; count: number }[] = [];
  const perBatch = Math.max(LINES_PER_BATCH, Math.ceil(total / MAX_BATCHES));
  // Two batches in turn: one fills while the other's blob is written (the database reads a
  // blob's buffer until putBlob resolves, so a buffer is reused only after that). Writing the
  // blobs one after the other, each awaited, cost ~0.05 s of a 1,000,000-row 1 % run (20,000 lines).
  let batch = new LineBytes();
  let other = new LineBytes();
  let writing: Promise<unknown> | undefined;
  /** Adds a line; a promise only when the batch was full and went to the database. */
  const push = (line: string): Promise<void> | undefined => {
    batch.add(line);
    return batch.count < perBatch ? undefined : send();
  };
  const send = async () => {
    await writing;
    const id = crypto.randomUUID();
    lineBlobs.push({ blob: id, count: batch.count });
    writing = store.putBlob(batch.bytes(), id);
    // Awaited before the next blob or at the end; never left unhandled meanwhile.
    writing.catch(() => {});
    [batch, other] = [other, batch];
    batch.clear();
  };
  try {
    for (const row of removed) {
      await push(`{${head},"columns":${renderRow(row, item.numerics)},"action":"removed"}`);
    }
    for (const row of added) await push(`{${head},"columns":${renderRow(row, item.numerics)},"action":"added"}`);
    await writing;
  } catch (err) {
    // Nothing refers to the batches written so far; the next start would collect them anyway.
    await writing?.catch(() => {});
    for (const b of lineBlobs) await store.deleteBlob(b.blob).catch(() => {});
    throw err;
  }
  return { lines: batch.lines(), lineBlobs };
}

/**
 * A batch's lines as the blob's bytes (joined by newlines), encoded as they come: each line's
 * string dies young instead of waiting in an array for the batch's join, which kept a batch of
 * strings, its joined text and its bytes in the heap at once.
 */
export class LineBytes {
  #buf = new Uint8Array(64 * 1024);
  #length = 0;
  /** Lines added since the last {@linkcode LineBytes.clear}. */
  count = 0;

  /** Appends `line` (which holds no newline: JSON text escapes them). */
  add(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const need = this.#length + 1 + line.length * 3;
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.max(need, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, this.#length));
      this.#buf = grown;
    }
    if (this.count > 0) this.#buf[this.#length++] = 10;
    this.#length += encoder.encodeInto(line, this.#buf.subarray(this.#length)).written;
    this.count++;
  }

  /** The lines' bytes so far (a view, valid until the next add or clear). */
  bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#length);
  }

  /** The lines so far as strings. */
  lines(): string[] {
    return this.count === 0 ? [] : decoder.decode(this.bytes()).split("\n");
  }

  /** Empties the batch, keeping its buffer. */
  clear(): void {
    this.#length = 0;
    this.count = 0;
  }
}
