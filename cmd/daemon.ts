/**
 * `osq daemon` — osqueryd: loads the config, runs the schedule, logs differential results.
 * `--config_check` and `--config_dump` report on the config and exit.
 *
 * The supervisor (watchdog) process runs this module too and lives as long as the daemon, so it
 * stays light: it knows the flags of the core modules it needs (config, daemon, logger, scheduler,
 * watchdog, extensions) and osquery's catalogue for the rest (events, carver, remote), without
 * loading the table catalogue (~20 MB of RSS) or the event publishers.
 * A flag it does not know may be one a table module defines (e.g. --docker_socket): only then
 * does it load every flag the worker knows ({@linkcode loadAllFlags}) and parse again, so
 * `--help`, flagfiles and unknown-flag errors are exactly the worker's.
 *
 * @module
 */
import "../core/config/flags.ts";
import "./daemon/flags.ts";
// The events, carver and TLS flags are osquery's own: its catalogue (core/flags/catalogue_data.ts)
// accepts and type-checks them here, and the worker's modules declare them when it imports them
// (keeping the values parsed here). The supervisor reads none of them, so it loads none of those
// modules (an osq-only flag must still be declared by an import above, or parsing loads every flag).
import { FlagError, flags, type ParsedArgs } from "../core/flags/flags.ts";
import { OSQUERY_VERSION } from "../core/runtime/version.ts";

const encoder = new TextEncoder();
const out = (text: string) => Deno.stdout.writeSync(encoder.encode(text));
const err = (text: string) => Deno.stderr.writeSync(encoder.encode(text));

const USAGE = `Usage: osq daemon [--flag=value ...]

osqueryd: runs the config's scheduled queries and logs what changed.

Flags:
`;

/**
 * Declares every flag the worker knows (tables, SQL functions, extensions, the pipeline loggers
 * it loads when named): the worker's own imports.
 */
export async function loadAllFlags(): Promise<void> {
  await import("./daemon/worker.ts");
  await import("../plugins/logger/pipelines.ts");
}

/** Parses with the light registry; on any flag error, again with every flag loaded. */
async function parseArgs(args: string[]): Promise<ParsedArgs> {
  const options = { defaultFlagfile: "/etc/osquery/osquery.flags.default" };
  try {
    return flags.parse(args, options);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    await loadAllFlags();
    return flags.parse(args, options);
  }
}

/** Runs the daemon face with `args`; resolves to the exit status. */
export async function main(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    await loadAllFlags();
    out(USAGE + flags.help((spec) => !spec.shell));
    return 0;
  }
  if (args.some((a) => a === "--version" || a === "-version")) {
    out(`osqueryd version ${OSQUERY_VERSION}\n`);
    return 0;
  }
  try {
    const parsed = await parseArgs(args);
    if (parsed.positionals.length > 0) {
      err(`osq daemon: unexpected argument '${parsed.positionals[0]}'; the daemon takes only flags (see --help).\n`);
      return 1;
    }
  } catch (e) {
    if (e instanceof FlagError) {
      err(`osq daemon: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const checking = flags.bool("config_dump") || flags.bool("config_check");
  if (
    !["filesystem", "tls"].includes(flags.string("config_plugin")) && (checking || flags.bool("disable_extensions"))
  ) {
    // osquery exits with EXIT_CATASTROPHIC (78) when the config plugin does not exist. A running
    // daemon with extensions on first waits for an extension to register it (the worker).
    err(
      `osq daemon: Missing config plugin ${flags.string("config_plugin")} (osq has: filesystem, tls` +
        (checking ? ")" : "; extensions are disabled, so none can provide it)") + ".\n",
    );
    return 78;
  }
  if (flags.bool("database_dump")) {
    const { databaseDump } = await import("./daemon/database_dump.ts");
    return await databaseDump(flags.bool("disable_database") ? ":memory:" : flags.string("database_path"), out);
  }
  if (flags.bool("config_dump") || flags.bool("config_check")) {
    // Config options are checked against every flag.
    await loadAllFlags();
    const { configCheck, configDump } = await import("./daemon/config_check.ts");
    return flags.bool("config_dump") ? configDump(out, err) : configCheck(err);
  }
  const { runDaemon } = await import("./daemon/run.ts");
  return await runDaemon(args);
}
