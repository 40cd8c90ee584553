/**
 * Which of the daemon's config, logger and distributed plugins extensions provide. A name that is
 * none of osq's own is looked for among the plugins extensions register; as osqueryd, the daemon
 * waits for them (up to `--extensions_timeout` seconds, autoloaded ones included) before it reads
 * the config or starts logging.
 *
 * @module
 */
import { flags } from "../../core/flags/flags.ts";
import type { ExtensionManager } from "../../core/extensions/manager.ts";
import { waitForExtensionPlugin } from "../../core/extensions/plugins.ts";
import { extensionsTimeoutMs } from "../../core/extensions/flags.ts";
import { LOGGER_NAMES } from "../../plugins/logger/logger.ts";

/** Config plugins osq has itself. */
export const BUILTIN_CONFIG_PLUGINS = ["filesystem", "tls"];

/** Raised when a named plugin exists neither in osq nor in any extension. */
export class MissingPluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MissingPluginError";
  }
}

/** Plugins that extensions provide, by role. */
export interface ExtensionPluginChoice {
  config?: string;
  loggers: string[];
  distributed?: string;
}

const split = (names: string) => names.split(",").map((s) => s.trim()).filter(Boolean);

/**
 * Waits for the extension plugins the flags name and reports which are there. Throws
 * {@linkcode MissingPluginError} for a config plugin nobody offers (osquery exits 78 then); a
 * missing logger is left to the logger factory's error, a missing distributed plugin to `warn`.
 */
export async function chooseExtensionPlugins(
  manager: ExtensionManager | undefined,
  warn: (message: string) => void,
): Promise<ExtensionPluginChoice> {
  const configName = flags.string("config_plugin");
  const loggerNames = split(flags.string("logger_plugin")).filter((n) =>
    !(LOGGER_NAMES as readonly string[]).includes(n)
  );
  const distributedName = flags.bool("disable_distributed") || flags.string("distributed_plugin") === "tls"
    ? undefined
    : flags.string("distributed_plugin");
  const wantsConfig = !BUILTIN_CONFIG_PLUGINS.includes(configName);
  if (!manager) {
    if (wantsConfig) {
      throw new MissingPluginError(
        `Missing config plugin ${configName} (osq has: ${BUILTIN_CONFIG_PLUGINS.join(", ")}; ` +
          `extensions are disabled, so none can provide it).`,
      );
    }
    return { loggers: [] };
  }
  const timeout = extensionsTimeoutMs();
  const wait = (registry: string, name: string) => waitForExtensionPlugin(manager, registry, name, timeout);
  const [config, loggers, distributed] = await Promise.all([
    wantsConfig ? wait("config", configName) : Promise.resolve(false),
    Promise.all(loggerNames.map((n) => wait("logger", n))),
    distributedName ? wait("distributed", distributedName) : Promise.resolve(false),
  ]);
  if (wantsConfig && !config) {
    throw new MissingPluginError(
      `Missing config plugin ${configName} (osq has: ${BUILTIN_CONFIG_PLUGINS.join(", ")}, and no extension ` +
        `registered one within --extensions_timeout=${flags.string("extensions_timeout")} s).`,
    );
  }
  if (distributedName && !distributed) {
    warn(`Missing distributed plugin ${distributedName}: no extension registered it; live queries are off.`);
  }
  return {
    ...(wantsConfig ? { config: configName } : {}),
    loggers: loggerNames.filter((_, i) => loggers[i]),
    ...(distributedName && distributed ? { distributed: distributedName } : {}),
  };
}

/** `--logger_plugin` without the names extensions provide (for osq's own logger factory). */
export function withoutNames(names: string, drop: readonly string[]): string {
  return split(names).filter((n) => !drop.includes(n)).join(",");
}
