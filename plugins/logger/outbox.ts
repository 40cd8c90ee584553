/**
 * Ships outbox entries from the store to the loggers, in order: each logger gets an entry once
 * (skipped when already marked shipped), then the entry is retired (with the last logger's mark,
 * in one commit).
 *
 * @module
 */
import type { Store } from "../../core/kv.ts";
import type { Logger } from "./logger.ts";

/** Ships every pending entry; returns how many entries were retired. */
export async function drainOutbox(store: Store, loggers: Logger[]): Promise<number> {
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
    }
    if (!finished) await store.retire(seq, entry, names);
    retired++;
  }
  return retired;
}
