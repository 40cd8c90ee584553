/**
 * `osq daemon` — osqueryd: loads the config, runs the schedule, logs differential results.
 * `--config_check` and `--config_dump` report on the config and exit.
 *
 * @module
 */
import "../core/config/flags.ts";
import "./daemon/flags.ts";
// Tables and publishers declare flags too (e.g. --enable_file_events): load them before parsing.
import "../tables/catalogue.ts";
import { FlagError, flags } from "../core/flags.ts";
import { configCheck, configDump } from "./daemon/config_check.ts";

const encoder = new TextEncoder();
const out = (text: string) => Deno.stdout.writeSync(encoder.encode(text));
const err = (text: string) => Deno.stderr.writeSync(encoder.encode(text));

const USAGE = `Usage: osq daemon [--flag=value ...]

osqueryd: runs the config's scheduled queries and logs what changed.

Flags:
`;

/** Runs the daemon face with `args`; resolves to the exit status. */
export async function main(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    out(USAGE + flags.help((spec) => !spec.shell));
    return 0;
  }
  try {
    const parsed = flags.parse(args, { defaultFlagfile: "/etc/osquery/osquery.flags.default" });
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
  if (flags.string("config_plugin") !== "filesystem") {
    // osquery exits with EXIT_CATASTROPHIC (78) when the config plugin does not exist.
    err(`osq daemon: Missing config plugin ${flags.string("config_plugin")} (osq has: filesystem).\n`);
    return 78;
  }
  if (flags.bool("config_dump")) return configDump(out, err);
  if (flags.bool("config_check")) return configCheck(err);
  const { runDaemon } = await import("./daemon/run.ts");
  return await runDaemon(args);
}
