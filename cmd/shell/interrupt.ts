/**
 * Starts the Ctrl-C worker (see interrupt_worker.ts) for an engine.
 *
 * @module
 */
import type { Engine } from "../../core/engine.ts";

/** A running Ctrl-C watcher; stop it before exiting. */
export interface InterruptWatcher {
  /** Called on the main thread (when it is free) after each SIGINT. */
  onInterrupt: (() => void) | undefined;
  stop(): void;
}

/** Starts watching SIGINT for `engine`; resolves once the worker listens. */
export async function watchInterrupts(engine: Engine): Promise<InterruptWatcher> {
  const worker = new Worker(new URL("./interrupt_worker.ts", import.meta.url).href, { type: "module" });
  const watcher: InterruptWatcher = {
    onInterrupt: undefined,
    stop: () => worker.terminate(),
  };
  await new Promise<void>((resolve, reject) => {
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`Cannot start the Ctrl-C watcher: ${event.message}`));
    };
    worker.onmessage = (event: MessageEvent<string>) => {
      if (event.data === "ready") resolve();
      else if (event.data === "interrupt") watcher.onInterrupt?.();
    };
    worker.postMessage({ target: engine.db.interruptTarget(), flag: engine.cancelFlag });
  });
  return watcher;
}
