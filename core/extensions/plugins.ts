/**
 * Typed calls into plugins that extensions offer (config, logger, distributed), in the request
 * shapes osquery's core sends. The faces use them once `--config_plugin`, `--logger_plugin` or
 * `--distributed_plugin` selects a plugin whose registry entry is owned by an extension.
 *
 * @module
 */
import type { ExtensionResponse } from "../thrift/bindings.ts";
import { ExtensionCallError, type ExtensionManager } from "./manager.ts";

function check(answer: ExtensionResponse, what: string): ExtensionResponse {
  if (answer.status.code !== 0) {
    throw new ExtensionCallError(`${what} failed: ${answer.status.message || `code ${answer.status.code}`}`);
  }
  return answer;
}

/** `genConfig` of an extension's config plugin: config sources by name (each JSON text). */
export async function generateConfig(manager: ExtensionManager, plugin: string): Promise<Record<string, string>> {
  const answer = check(await manager.callPlugin("config", plugin, { action: "genConfig" }), `Config plugin ${plugin}`);
  return Object.assign({}, ...answer.response);
}

/** `genPack` of an extension's config plugin: the pack's JSON text. */
export async function generatePack(
  manager: ExtensionManager,
  plugin: string,
  name: string,
  value = "",
): Promise<string> {
  const answer = check(
    await manager.callPlugin("config", plugin, { action: "genPack", name, value }),
    `Config plugin ${plugin} pack ${name}`,
  );
  return answer.response[0]?.[name] ?? "";
}

/** What an extension's logger plugin asks for (its `features` bits, carried in the status code). */
export async function loggerFeatures(
  manager: ExtensionManager,
  plugin: string,
): Promise<{ status: boolean; events: boolean }> {
  const answer = await manager.callPlugin("logger", plugin, { action: "features" });
  return { status: (answer.status.code & 1) !== 0, events: (answer.status.code & 2) !== 0 };
}

/** Tells an extension's logger plugin the core starts logging (`init` = process name). */
export async function initLogger(manager: ExtensionManager, plugin: string, processName: string): Promise<void> {
  check(await manager.callPlugin("logger", plugin, { init: processName }), `Logger plugin ${plugin}`);
}

/** Sends one result line (`category` "event" for scheduled query results). */
export async function logString(
  manager: ExtensionManager,
  plugin: string,
  line: string,
  category = "event",
): Promise<void> {
  check(await manager.callPlugin("logger", plugin, { string: line, category }), `Logger plugin ${plugin}`);
}

/** Sends several result lines at once (`string_batch`). */
export async function logStringBatch(manager: ExtensionManager, plugin: string, lines: string[]): Promise<void> {
  check(
    await manager.callPlugin("logger", plugin, { string_batch: JSON.stringify(lines) }),
    `Logger plugin ${plugin}`,
  );
}

/** Sends a snapshot result line. */
export async function logSnapshot(manager: ExtensionManager, plugin: string, line: string): Promise<void> {
  check(await manager.callPlugin("logger", plugin, { snapshot: line }), `Logger plugin ${plugin}`);
}

/** One status (glog) line as loggers receive it. */
export interface StatusLine {
  /** 0 INFO, 1 WARNING, 2 ERROR, 3 FATAL. */
  s: number;
  f: string;
  i: number;
  m: string;
  h: string;
  c: string;
  u: number;
}

/** Relays status lines to a logger plugin that asked for them. */
export async function logStatus(manager: ExtensionManager, plugin: string, lines: StatusLine[]): Promise<void> {
  check(
    await manager.callPlugin("logger", plugin, { status: "true", log: JSON.stringify(lines) }),
    `Logger plugin ${plugin}`,
  );
}

/** `getQueries` of an extension's distributed plugin: the JSON text of the work. */
export async function distributedGetQueries(manager: ExtensionManager, plugin: string): Promise<string> {
  const answer = check(
    await manager.callPlugin("distributed", plugin, { action: "getQueries" }),
    `Distributed plugin ${plugin}`,
  );
  return answer.response[0]?.results ?? "";
}

/** `writeResults` of an extension's distributed plugin (`results` is the JSON text). */
export async function distributedWriteResults(
  manager: ExtensionManager,
  plugin: string,
  results: string,
): Promise<void> {
  check(
    await manager.callPlugin("distributed", plugin, { action: "writeResults", results }),
    `Distributed plugin ${plugin}`,
  );
}

/**
 * Waits until an extension offers plugin `name` of `registry` and answers ping (osquery waits
 * for autoloaded extensions to register before it uses their plugins), polling the manager;
 * false when none does within `timeoutMs`.
 */
export async function waitForExtensionPlugin(
  manager: ExtensionManager,
  registry: string,
  name: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const end = Date.now() + Math.max(0, timeoutMs);
  for (;;) {
    const owner = manager.ownerOf(registry, name);
    if (owner) {
      // An extension registers before it serves its own socket: wait until it answers ping.
      try {
        await manager.waitForExtensions([owner.info.name], Math.max(1000, end - Date.now()));
        return true;
      } catch {
        return false;
      }
    }
    if (Date.now() >= end || signal?.aborted) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
