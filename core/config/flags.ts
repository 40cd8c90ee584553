/**
 * The config flags, with osquery's names and defaults.
 *
 * @module
 */
import { defineFlag } from "../flags/flags.ts";

defineFlag({
  name: "config_plugin",
  type: "string",
  default: "filesystem",
  description: "Where the config comes from (filesystem).",
  cliOnly: true,
});
defineFlag({
  name: "config_path",
  type: "string",
  default: "/etc/osquery/osquery.conf",
  description: "The JSON config file; <path>.d/*.conf files are read too.",
  cliOnly: true,
});
defineFlag({
  name: "config_check",
  type: "bool",
  default: false,
  description: "Check the config, report problems and exit (0 valid, 1 not).",
  cliOnly: true,
});
defineFlag({
  name: "config_dump",
  type: "bool",
  default: false,
  description: 'Print each config source as {"<source>": <content>} and exit.',
  cliOnly: true,
});
defineFlag({
  name: "config_refresh",
  type: "uint64",
  default: 0,
  description: "Reload the config every N seconds (0 = never).",
  aliases: ["config_tls_refresh"],
});
defineFlag({
  name: "config_accelerated_refresh",
  type: "uint64",
  default: 300,
  description: "Refresh period after a failed config refresh.",
});
defineFlag({
  name: "pack_refresh_interval",
  type: "uint64",
  default: 3600,
  description: "Seconds a pack's discovery result is reused.",
});
defineFlag({
  name: "pack_delimiter",
  type: "string",
  default: "_",
  description: "Joins pack and query names in scheduled names (pack<D><pack><D><query>).",
});
defineFlag({
  name: "schedule_splay_percent",
  type: "uint64",
  default: 10,
  description: "Spread query intervals by up to this percent.",
});
defineFlag({
  name: "schedule_default_interval",
  type: "uint64",
  default: 3600,
  description: "Interval for scheduled queries that give none.",
});
defineFlag({
  name: "disable_decorators",
  type: "bool",
  default: false,
  description: "Do not run config decorators.",
});
