/**
 * Ships outbox entries from the store to the loggers, in order: each logger gets an entry once
 * (skipped when already marked shipped), then the entry is retired.
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
    for (const logger of loggers) {
      if (await store.isShipped(logger.name, seq)) continue;
      await logger.logLines(entry.category, lines, seq);
      await store.markShipped(logger.name, seq);
    }
    await store.retire(seq, entry, loggers.map((l) => l.name));
    retired++;
  }
  return retired;
}
