/**
 * A config plugin an extension offers (`--config_plugin=NAME`): the config is what its
 * `genConfig` answers — one JSON text per source name, merged like a config file's `.d` parts.
 *
 * @module
 */
import type { ExtensionManager } from "../../core/extensions/manager.ts";
import { generateConfig } from "../../core/extensions/plugins.ts";

/** A config source read from an extension. */
export interface ExtensionConfigSource {
  name: string;
  text: string;
}

/** Reads the config sources of an extension's config plugin; throws ExtensionCallError when it fails. */
export async function extensionConfigSources(
  manager: ExtensionManager,
  plugin: string,
): Promise<ExtensionConfigSource[]> {
  const sources = await generateConfig(manager, plugin);
  return Object.entries(sources).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([name, text]) => ({ name: `${plugin}:${name}`, text }));
}
