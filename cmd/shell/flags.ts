/**
 * The shell's flags (osquery's SHELL_FLAG set plus the few shell-wide ones), declared in the one
 * registry, and the settings osqueryi forces before and after parsing.
 *
 * @module
 */
import { defineFlag, flags } from "../../core/flags/flags.ts";
import { ignoredFlagsMessage, newlyIgnoredFlags } from "../../core/flags/catalogue.ts";
import { registry } from "../../core/registry.ts";
import { applyTableSwitches } from "../../core/flags/table_switches.ts";

const shell = (name: string, type: "bool" | "string" | "uint64", value: boolean | string | number, text: string) =>
  defineFlag({ name, type, default: value, description: text, shell: true, cliOnly: true });

shell("csv", "bool", false, "Print results as CSV (RFC 4180: comma-separated, quoted where needed, CRLF)");
shell("json", "bool", false, "Print results as a JSON array of objects with sorted keys and string values");
shell("json_pretty", "bool", false, "Print results as indented JSON");
shell(
  "json_typed",
  "bool",
  false,
  "Print results as JSON keeping SQL types: numbers as numbers, NULL as null, columns in query order (osq)",
);
shell("line", "bool", false, "Print one 'column = value' line per value, a blank line between rows");
shell("list", "bool", false, "Print values separated by --separator, one row per line");
shell("separator", "string", "|", "Field separator for list and csv output");
shell("header", "bool", true, "Print column headers in list, csv and column output");
shell("pack", "string", "", "Run every query of the named pack from the config and exit");
shell("L", "bool", false, "List all table names and exit");
shell("A", "string", "", "Select all rows from a table and exit");
shell("connect", "string", "", "Run queries through an extension manager socket");
shell("query", "string", "", "Run one SQL query and exit");
shell("query_file", "string", "", "Run the SQL in a file and exit");
shell("output", "string", "", "Write results to a file ('-' or empty: standard output)");
shell("planner", "bool", false, "Print the virtual-table planner's decisions for each scan");
shell(
  "profile",
  "uint64",
  0,
  "Run the query (argument or first line of standard input) this many times, printing only failures",
);
shell("profile_delay", "uint64", 0, "Seconds to wait before profiling");
shell("S", "bool", false, "Run as the shell (osqueryi); the only face this command has");
defineFlag({
  name: "nullvalue",
  type: "string",
  default: "",
  description: "Text printed for NULL values",
});

/** Sets what osqueryi sets before parsing (the user may still override these). */
export function applyShellDefaultsBeforeParse(): void {
  setIfDeclared("disable_events", true);
}

/**
 * Sets what osqueryi forces after parsing: no logging, no watchdog, and for a non-interactive
 * run no events, no caching and no extensions unless the user asked for them. Applies
 * `--disable_tables`/`--enable_tables`, and with `--verbose` names the osquery flags given that
 * osq ignores (osqueryi's status log reaches the terminal only when verbose).
 */
export function applyShellSettingsAfterParse(
  interactive: boolean,
  explicitlySet: readonly string[],
  warn: (line: string) => void = (line) => console.error(line),
): void {
  applyTableSwitches(registry);
  const ignored = newlyIgnoredFlags();
  if (ignored.length > 0 && flags.has("verbose") && flags.bool("verbose")) warn(`I ${ignoredFlagsMessage(ignored)}`);
  setIfDeclared("disable_logging", true);
  setIfDeclared("disable_watchdog", true);
  setIfDeclared("hash_delay", 0);
  if (!interactive) {
    if (!explicitlySet.includes("disable_events")) setIfDeclared("disable_events", true);
    setIfDeclared("disable_caching", true);
    if (!explicitlySet.includes("disable_extensions")) setIfDeclared("disable_extensions", true);
  }
}

function setIfDeclared(name: string, value: boolean | number): void {
  if (!flags.has(name)) return;
  const spec = flags.spec(name);
  if (spec.type === "bool" && typeof value === "boolean") flags.set(name, value, "runtime");
  else if (spec.type !== "bool" && typeof value === "number") flags.set(name, String(value), "runtime");
}
