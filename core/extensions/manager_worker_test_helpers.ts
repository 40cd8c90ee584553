/**
 * Runs an extension manager in a Worker for the remote-core client's tests: that client blocks
 * its thread while it waits for answers, so the manager must live on another one.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { Engine } from "../engine.ts";
import { Registry } from "../registry.ts";
import { defineTable } from "../table.ts";
import { startExtensionManager } from "./manager.ts";

self.onmessage = (event: MessageEvent<{ socket: string }>) => {
  const registry = new Registry();
  registry.addTable(defineTable({
    name: "remote_rows",
    description: "test",
    columns: [{ name: "z", type: "TEXT" }, { name: "a", type: "INTEGER" }, { name: "m", type: "DOUBLE" }],
    generate: () => [{ z: "first", a: 1, m: 1.5 }, { z: null, a: 2, m: null }],
  }));
  startExtensionManager(new Engine({ registry }), { socket: event.data.socket, intervalMs: 60_000, log: () => {} });
  self.postMessage("ready");
};
