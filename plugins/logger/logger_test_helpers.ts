/**
 * What the remote loggers' tests share: a result line as the daemon writes it, committing lines
 * to the store's outbox as a scheduled query's run does, a logger made and closed around a
 * test's body under the flags it reads, and a test with its own stand-in peer.
 *
 * @module
 */
import type { Store } from "../../core/kv/store.ts";
import { withFlags } from "../../testing/fake_tls_server.ts";

/** A result line of query `name` (an "added" row `{ i }`, unixTime 1700000000 + i). */
export function resultLine(name: string, i: number): string {
  return JSON.stringify({
    name,
    hostIdentifier: "h",
    unixTime: 1700000000 + i,
    action: "added",
    columns: { i: String(i) },
  });
}

/** Commits `lines` as the next run of query `name`, putting them in the outbox. */
export async function commitLines(store: Store, name: string, lines: string[]): Promise<void> {
  const previous = await store.getQuery(name);
  const counter = (previous.value?.counter ?? -1) + 1;
  await store.commitRun({
    name,
    previous,
    state: { epoch: 0, counter, sql: "s" },
    lines,
    category: "result",
  });
}

/** Runs `fn` with the logger `make` builds while `flags` are set, closing the logger afterwards. */
export async function withLogger<L extends { close(): void }>(
  flags: Record<string, string>,
  make: () => L,
  fn: (logger: L) => Promise<void>,
): Promise<void> {
  await withFlags(flags, async () => {
    const logger = make();
    try {
      await fn(logger);
    } finally {
      logger.close();
    }
  });
}

/**
 * A test with the peer `open` starts (a stand-in service), closed afterwards; the peer's server
 * outlives the test's own ops, so the sanitizers are off.
 */
export function peerTest<P extends { close(): unknown }>(
  name: string,
  open: () => P | Promise<P>,
  fn: (peer: P) => Promise<void>,
): void {
  Deno.test({
    name,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const peer = await open();
      try {
        await fn(peer);
      } finally {
        await peer.close();
      }
    },
  });
}
