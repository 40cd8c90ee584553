/**
 * The `tls` config plugin: the config is the JSON the TLS server answers at
 * `--config_tls_endpoint` (POST `{"node_key": ...}`), fetched with `--config_tls_max_attempts`
 * attempts. An answer with `"node_invalid": true` makes the node enroll again (see
 * core/tls_api/client.ts). The source is named `tls_plugin`, as osquery names it.
 *
 * @module
 */
import "../../core/tls_api/flags.ts";
import { flags } from "../../core/flags/flags.ts";
import { ConfigError, type ConfigSource } from "../../core/config/config.ts";
import type { RemoteClient } from "../../core/tls_api/client.ts";
import { RemoteError } from "../../core/tls_api/transport.ts";

/** The name of the config source the tls plugin returns. */
export const TLS_CONFIG_SOURCE = "tls_plugin";

/** Options of {@linkcode readTlsConfigSources}; unset ones come from the flags. */
export interface TlsConfigOptions {
  /** `--config_tls_endpoint`. */
  endpoint?: string;
  /** `--config_tls_max_attempts`. */
  maxAttempts?: number;
}

/**
 * Fetches the config from the TLS server. Throws a {@linkcode ConfigError} (which the daemon
 * reports, keeping the config it has) when the server cannot give one.
 */
export async function readTlsConfigSources(
  client: RemoteClient,
  options: TlsConfigOptions = {},
): Promise<ConfigSource[]> {
  const endpoint = options.endpoint ?? flags.string("config_tls_endpoint");
  const attempts = options.maxAttempts ?? flags.number("config_tls_max_attempts");
  let answer: Record<string, unknown>;
  try {
    answer = await client.request(endpoint, {}, { attempts });
  } catch (err) {
    if (!(err instanceof RemoteError)) throw err;
    throw new ConfigError([{
      file: TLS_CONFIG_SOURCE,
      path: "(top level)",
      message: `The config could not be fetched from the TLS server: ${err.message}`,
      severity: "error",
      code: "tls",
    }]);
  }
  // The server's bookkeeping is not config: leave it out so the config holds only sections.
  const { node_invalid: _invalid, ...config } = answer;
  return [{ name: TLS_CONFIG_SOURCE, text: JSON.stringify(config, null, 2) }];
}
