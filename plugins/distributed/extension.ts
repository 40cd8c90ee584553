/**
 * A distributed plugin an extension offers (`--distributed_plugin=NAME`): the daemon's live-query
 * loop (the tls plugin's {@linkcode DistributedRunner}: discovery, statuses, stats, denylist)
 * reads work with the extension's `getQueries` and writes results with `writeResults`, in
 * osquery's request shapes.
 *
 * @module
 */
import type { ExtensionManager } from "../../core/extensions/manager.ts";
import { distributedGetQueries, distributedWriteResults } from "../../core/extensions/plugins.ts";
import { type DistributedClient, type DistributedHandle, type QueryRunner, startDistributed } from "./tls.ts";
import type { RunningQueryStore } from "./tls.ts";

/** Names standing for the read and the write in the runner's requests. */
const READ = "getQueries";
const WRITE = "writeResults";

/** The runner's client, speaking to an extension's distributed plugin instead of a TLS server. */
export function extensionDistributedClient(manager: ExtensionManager, plugin: string): DistributedClient {
  return {
    async request(endpoint: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
      if (endpoint === WRITE) {
        await distributedWriteResults(manager, plugin, JSON.stringify(body));
        return {};
      }
      const text = await distributedGetQueries(manager, plugin);
      if (text.trim() === "") return {};
      const work = JSON.parse(text) as unknown;
      if (work === null || typeof work !== "object" || Array.isArray(work)) {
        throw new Error(`Distributed plugin ${plugin} answered getQueries with JSON that is not an object`);
      }
      return work as Record<string, unknown>;
    },
  };
}

/** Starts the live-query loop over an extension's distributed plugin. */
export function startExtensionDistributed(options: {
  manager: ExtensionManager;
  plugin: string;
  run: QueryRunner;
  running?: RunningQueryStore;
  onStatus?: (severity: number, message: string) => void;
}): DistributedHandle {
  return startDistributed({
    client: extensionDistributedClient(options.manager, options.plugin),
    run: options.run,
    running: options.running,
    onStatus: options.onStatus,
    readEndpoint: READ,
    writeEndpoint: WRITE,
    maxAttempts: 1,
  });
}
