/**
 * The Ctrl-C worker. A query runs as one synchronous FFI call on the main thread, so nothing
 * there can react to SIGINT until it returns. This worker has its own thread and event loop:
 * on SIGINT it raises the engine's shared cancel flag (scans stop at their next row) and calls
 * sqlite3_interrupt on the connection through its own handle on libsqlite3 (thread-safe; see
 * core/sqlite/remote_interrupt.ts), so the running statement ends with "interrupted" and the
 * shell stays up.
 *
 * Message in: `{ target, flag }` (the connection's InterruptTarget, the flag's Int32Array on a
 * SharedArrayBuffer). Message out: "ready", then "interrupt" for every SIGINT.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { type InterruptTarget, openInterrupter } from "../../core/sqlite/remote_interrupt.ts";

interface Setup {
  target: InterruptTarget;
  flag: Int32Array;
}

let interrupt: (() => void) | undefined;
let setup: Setup | undefined;

self.onmessage = (event: MessageEvent<Setup>) => {
  setup = event.data;
  interrupt = openInterrupter(setup.target);
  Deno.addSignalListener("SIGINT", () => {
    if (!setup) return;
    Atomics.store(setup.flag, 0, 1);
    interrupt?.();
    self.postMessage("interrupt");
  });
  self.postMessage("ready");
};
