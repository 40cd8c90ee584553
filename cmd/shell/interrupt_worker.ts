/**
 * The Ctrl-C worker. A query runs as one synchronous FFI call on the main thread, so nothing
 * there can react to SIGINT until it returns. This worker has its own thread and event loop:
 * on SIGINT it raises the engine's shared cancel flag (scans stop at their next row) and calls
 * sqlite3_interrupt on the connection through its own handle on libsqlite3 (thread-safe), so
 * the running statement ends with "interrupted" and the shell stays up.
 *
 * Message in: `{ library, handle, flag }` (library path, connection address, the flag's
 * Int32Array on a SharedArrayBuffer). Message out: "ready", then "interrupt" for every SIGINT.
 *
 * @module
 */
/// <reference lib="deno.worker" />

interface Setup {
  library: string;
  handle: bigint;
  flag: Int32Array;
}

let interrupt: ((handle: bigint) => void) | undefined;
let setup: Setup | undefined;

self.onmessage = (event: MessageEvent<Setup>) => {
  setup = event.data;
  const lib = Deno.dlopen(
    setup.library,
    {
      sqlite3_interrupt: { parameters: ["usize"], result: "void" },
    } as const,
  );
  interrupt = (handle) => lib.symbols.sqlite3_interrupt(handle);
  Deno.addSignalListener("SIGINT", () => {
    if (!setup) return;
    Atomics.store(setup.flag, 0, 1);
    interrupt?.(setup.handle);
    self.postMessage("interrupt");
  });
  self.postMessage("ready");
};
