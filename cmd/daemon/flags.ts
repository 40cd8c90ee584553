/**
 * The daemon's process flags (pidfile, database, identity, shutdown), with osquery's names and
 * defaults. Scheduler, logger and watchdog flags live with their modules.
 *
 * @module
 */
import { defineFlag } from "../../core/flags/flags.ts";
import "../../plugins/logger/flags.ts";
import "../../core/watchdog/rules.ts";
import "../../core/results/scheduler.ts";
import "../../core/extensions/flags.ts";

defineFlag({
  name: "pidfile",
  type: "string",
  default: "/var/run/osqueryd.pidfile",
  description: "Where the daemon writes its PID; a live PID there stops a second daemon.",
  cliOnly: true,
});
defineFlag({
  name: "force",
  type: "bool",
  default: false,
  description: "Stop the daemon named in --pidfile and start anyway.",
  cliOnly: true,
});
defineFlag({
  name: "daemonize",
  type: "bool",
  default: false,
  description: "Detach from the terminal and run in the background.",
  cliOnly: true,
});
defineFlag({
  name: "ephemeral",
  type: "bool",
  default: false,
  description: "Skip the pidfile and keep the database in a temporary place removed at exit.",
  cliOnly: true,
});
defineFlag({
  name: "database_path",
  type: "string",
  default: "/var/osquery/osquery.db",
  description: "The Deno KV file holding previous results, splay, denylist and the log outbox.",
  cliOnly: true,
});
defineFlag({
  name: "disable_database",
  type: "bool",
  default: false,
  description: "Keep state in memory only (lost at exit).",
  cliOnly: true,
});
defineFlag({
  name: "host_identifier",
  type: "string",
  default: "hostname",
  description: "Identity in logs: hostname, uuid, instance, ephemeral or specified.",
});
defineFlag({
  name: "specified_identifier",
  type: "string",
  default: "",
  description: "The identity used when --host_identifier=specified.",
});
defineFlag({
  name: "alarm_timeout",
  type: "uint64",
  default: 15,
  description: "Seconds allowed for a graceful shutdown before the process is ended (min 10).",
});
defineFlag({
  name: "database_dump",
  type: "bool",
  default: false,
  description: "Print every entry of the database as domain[key]: value and exit.",
  cliOnly: true,
});
