/**
 * Ships outbox entries from the store to the loggers, in order: each logger gets an entry once
 * (skipped when already marked shipped), then the entry is retired (with the last logger's mark,
 * in one commit).
 *
 * When every logger takes batches ({@linkcode Logger.batchable}), consecutive entries of one
 * category travel together: one write per logger and one commit for all of them. A crash
 * before that commit undoes the whole write (the intent covers it), after it nothing is left.
 *
 * @module
 */
import type { OutboxEntry, Store } from "../../core/kv/store.ts";
import type { Logger } from "./logger.ts";

/** Entries per batch: with three loggers, four mutations each stay within one KV commit. */
const MAX_BATCH = 200;
/**
 * Lines per batch, past its first entry: a large run's lines come as many entries of bounded
 * size (core/results/log_batches.ts), and a batch holds its lines in memory.
 */
const MAX_BATCH_LINES = 4_000;

/** Ships every pending entry; returns how many entries were retired. */
export async function drainOutbox(store: Store, loggers: Logger[]): Promise<number> {
  if (loggers.length === 0 || !loggers.every((l) => l.batchable)) return await drainOneByOne(store, loggers);
  let retired = 0;
  let batch: { seq: bigint; entry: OutboxEntry }[] = [];
  let lines = 0;
  let shipped: Set<string> | undefined;
  for await (const item of store.outbox()) {
    if (
      batch.length &&
      (batch[0].entry.category !== item.entry.category || batch.length >= MAX_BATCH ||
        lines + item.entry.count > MAX_BATCH_LINES)
    ) {
      shipped ??= await store.shippedMarks();
      retired += await shipBatch(store, loggers, batch, shipped);
      batch = [];
      lines = 0;
    }
    batch.push(item);
    lines += item.entry.count;
  }
  if (batch.length) {
    shipped ??= await store.shippedMarks();
    retired += await shipBatch(store, loggers, batch, shipped);
  }
  return retired;
}

async function shipBatch(
  store: Store,
  loggers: Logger[],
  batch: { seq: bigint; entry: OutboxEntry }[],
  shipped: Set<string>,
): Promise<number> {
  const names = loggers.map((l) => l.name);
  const category = batch[0].entry.category;
  const texts = new Map<bigint, string[]>();
  for (const [i, logger] of loggers.entries()) {
    const todo = batch.filter((b) => !shipped.has(`${logger.name}\0${b.seq}`));
    if (todo.length) {
      const lines: string[] = [];
      for (const b of todo) {
        let text = texts.get(b.seq);
        if (!text) texts.set(b.seq, text = await store.linesOf(b.entry));
        for (const line of text) lines.push(line);
      }
      await logger.logLines(category, lines, todo[todo.length - 1].seq);
    }
    // The last logger's marks and the entries' retirement are one commit, which leaves the
    // logger's next write its intent (a file logger's: where that write starts).
    const next = logger.nextIntent?.();
    if (i === loggers.length - 1) await store.finishEntries(logger.name, batch, names, next);
    else if (todo.length) await store.markShippedMany(logger.name, todo.map((b) => b.seq), next);
    else continue;
    logger.intentCommitted?.(next);
  }
  return batch.length;
}

async function drainOneByOne(store: Store, loggers: Logger[]): Promise<number> {
  let retired = 0;
  for await (const { seq, entry } of store.outbox()) {
    const lines = await store.linesOf(entry);
    const names = loggers.map((l) => l.name);
    let finished = false;
    for (const [i, logger] of loggers.entries()) {
      if (await store.isShipped(logger.name, seq)) continue;
      await logger.logLines(entry.category, lines, seq);
      if (i === loggers.length - 1) {
        // The last logger's mark and the entry's retirement are one commit.
        await store.finishEntry(logger.name, seq, entry, names);
        finished = true;
      } else await store.markShipped(logger.name, seq);
      // Those commits delete the intent: the next write sets its own.
      logger.intentCommitted?.(undefined);
    }
    if (!finished) await store.retire(seq, entry, names);
    retired++;
  }
  return retired;
}
