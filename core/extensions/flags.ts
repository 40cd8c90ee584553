/**
 * The extension flags, as osquery declares them (names, types, defaults), and helpers that turn
 * their second-valued strings into milliseconds.
 *
 * @module
 */
import { defineFlag, flags } from "../flags/flags.ts";

/** osquery's default manager socket on Linux. */
export const DEFAULT_EXTENSIONS_SOCKET = "/var/osquery/osquery.em";
/** osquery's default autoload list on Linux. */
export const DEFAULT_EXTENSIONS_AUTOLOAD = "/etc/osquery/extensions.load";

defineFlag({
  name: "disable_extensions",
  type: "bool",
  default: false,
  cliOnly: true,
  description: "Turn the extension manager off: no socket, no extensions",
});
defineFlag({
  name: "extensions_socket",
  type: "string",
  default: DEFAULT_EXTENSIONS_SOCKET,
  cliOnly: true,
  description: "UNIX socket path of the extension manager",
});
defineFlag({
  name: "extensions_autoload",
  type: "string",
  default: DEFAULT_EXTENSIONS_AUTOLOAD,
  cliOnly: true,
  description: "File listing extension executables to start and supervise, one path per line",
});
defineFlag({
  name: "extensions_timeout",
  type: "string",
  default: "3",
  cliOnly: true,
  description: "Seconds to wait for extensions to appear (and for the manager, inside an extension)",
});
defineFlag({
  name: "extensions_interval",
  type: "string",
  default: "3",
  cliOnly: true,
  description: "Seconds between liveness checks of extensions (and of the manager, inside an extension)",
});
defineFlag({
  name: "extensions_require",
  type: "string",
  default: "",
  cliOnly: true,
  description: "Comma-separated extension names that must register before startup completes",
});
defineFlag({
  name: "extensions_default_index",
  type: "bool",
  default: true,
  description: "Push constraints on every plain column of extension tables to the extension",
});
defineFlag({
  name: "extension",
  type: "string",
  default: "",
  shell: true,
  description: "Path of one extension executable to start, without the autoload safety checks",
});
defineFlag({
  name: "allow_unsafe",
  type: "bool",
  default: false,
  hidden: true,
  description: "Start autoloaded extensions even when their permissions are unsafe",
});
defineFlag({
  name: "thrift_timeout",
  type: "uint32",
  default: 300,
  description: "Seconds a Thrift socket operation may take",
});
defineFlag({
  name: "thrift_string_size_limit",
  type: "int32",
  default: 0,
  description: "Largest string a Thrift peer may send, in bytes (0: no limit beyond the message limit)",
});
defineFlag({
  name: "thrift_verbose",
  type: "bool",
  default: false,
  description: "Log Thrift connection problems to stderr",
});

/** Parses a seconds string ("3", "0.5") into milliseconds with osquery's 200 ms floor. */
export function secondsToMs(text: string, fallbackSeconds = 3): number {
  const n = Number(text.trim());
  const seconds = text.trim() !== "" && Number.isFinite(n) && n >= 0 ? n : fallbackSeconds;
  return Math.max(200, Math.round(seconds * 1000));
}

/** --extensions_timeout in milliseconds. */
export function extensionsTimeoutMs(): number {
  return secondsToMs(flags.string("extensions_timeout"));
}

/** --extensions_interval in milliseconds. */
export function extensionsIntervalMs(): number {
  return secondsToMs(flags.string("extensions_interval"));
}

/** --thrift_timeout in milliseconds (at least one second). */
export function thriftTimeoutMs(): number {
  return Math.max(1, flags.number("thrift_timeout")) * 1000;
}
