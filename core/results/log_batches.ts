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
  const lineBlobs: { blob: string; count: number }[] = [];
  const perBatch = Math.max(LINES_PER_BATCH, Math.ceil(total / MAX_BATCHES));
  let batch: string[] = [];
  const push = async (line: string) => {
    batch.push(line);
    if (batch.length < perBatch) return;
    const { id } = await store.putBlob(batch.join("\n"));
    lineBlobs.push({ blob: id, count: batch.length });
    batch = [];
  };
  try {
    for (const row of removed) await push(`{${head},"columns":${renderRow(row, item.numerics)},"action":"removed"}`);
    for (const row of added) await push(`{${head},"columns":${renderRow(row, item.numerics)},"action":"added"}`);
  } catch (err) {
    // Nothing refers to the batches written so far; the next start would collect them anyway.
    for (const b of lineBlobs) await store.deleteBlob(b.blob).catch(() => {});
    throw err;
  }
  return { lines: batch, lineBlobs };
}
