/**
 * Which of the daemon's plugins the flags point at the TLS server (`--config_plugin=tls`,
 * `--logger_plugin=...,tls`, `--distributed_plugin=tls`, `--disable_carver=false`). Kept apart
 * from plugins/tls_api.ts so the daemon decides from the flags alone and loads the TLS client
 * only when something uses it.
 *
 * @module
 */
import "../core/tls_api/flags.ts";
import "../core/config/flags.ts";
import "../core/carver/flags.ts";
import { flags } from "../core/flags/flags.ts";

/** Which plugins the flags point at the TLS server. */
export interface RemotePlugins {
  /** `--config_plugin=tls`. */
  config: boolean;
  /** `--logger_plugin` lists `tls`. */
  logger: boolean;
  /** `--disable_distributed=false` with `--distributed_plugin=tls`. */
  distributed: boolean;
  /** Any of them (or the carver, `--disable_carver=false`). */
  any: boolean;
}

/** Reads the flags that select remote plugins. */
export function remotePlugins(): RemotePlugins {
  const config = flags.string("config_plugin") === "tls";
  const logger = flags.string("logger_plugin").split(",").map((s) => s.trim()).includes("tls");
  const distributed = !flags.bool("disable_distributed") && flags.string("distributed_plugin") === "tls";
  const carver = !flags.bool("disable_carver");
  return { config, logger, distributed, any: config || logger || distributed || carver };
}

/** `--logger_plugin` without `tls` (for the other loggers' factory). */
export function withoutTls(names: string): string {
  return names.split(",").map((s) => s.trim()).filter((s) => s && s !== "tls").join(",");
}
