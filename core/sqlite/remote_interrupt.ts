/**
 * Interrupting a connection from another thread. A statement runs as one synchronous FFI call,
 * so the thread running it cannot react to a signal or a timeout until it returns; another
 * thread (a worker with its own event loop) can, by calling sqlite3_interrupt — which SQLite
 * makes safe from any thread — through its own handle on the same libsqlite3.
 *
 * @example
 * ```ts ignore
 * // main thread: hand the target to a worker
 * worker.postMessage(engine.db.interruptTarget());
 * // in the worker, on SIGINT:
 * const interrupt = openInterrupter(target);
 * interrupt();
 * ```
 *
 * @module
 */

/** What another thread needs to interrupt a connection: plain data, so it can be posted. */
export interface InterruptTarget {
  /** The path of the libsqlite3 the connection lives in. */
  library: string;
  /** The connection's address (sqlite3*). */
  handle: bigint;
}

/** Opens the library named by `target` in this thread; the returned function interrupts it. */
export function openInterrupter(target: InterruptTarget): () => void {
  const lib = Deno.dlopen(
    target.library,
    {
      sqlite3_interrupt: { parameters: ["usize"], result: "void" },
    } as const,
  );
  return () => lib.symbols.sqlite3_interrupt(target.handle);
}
