/**
 * `--disable_tables` and `--enable_tables`, as osquery applies them: a table named in
 * `--disable_tables` is never attached; when `--enable_tables` is set, only the tables it names
 * (and not disabled) are. Both are comma-separated lists of table names.
 *
 * @module
 */
import { defineFlag, flags } from "./flags.ts";
import type { Registry } from "../registry.ts";

defineFlag({
  name: "disable_tables",
  type: "string",
  default: "",
  description: "Tables to leave out, comma-separated (they are 'no such table').",
  cliOnly: true,
});
defineFlag({
  name: "enable_tables",
  type: "string",
  default: "",
  description: "When set, only these tables (comma-separated) are available, minus --disable_tables.",
  cliOnly: true,
});

/** The two lists; undefined when the flag was not set (osquery tells "unset" from "empty"). */
export interface TableSwitches {
  disable?: string;
  enable?: string;
}

/** The switches the process-wide flags hold. */
export function tableSwitchesFromFlags(): TableSwitches {
  const read = (name: string) => flags.has(name) && !flags.isDefault(name) ? flags.string(name) : undefined;
  return { disable: read("disable_tables"), enable: read("enable_tables") };
}

const list = (text: string | undefined) => new Set((text ?? "").split(",").map((s) => s.trim()).filter(Boolean));

/** A predicate telling whether a table is disabled by the switches. */
export function tableDisabled(switches: TableSwitches): (name: string) => boolean {
  if (switches.disable === undefined && switches.enable === undefined) return () => false;
  const disabled = list(switches.disable);
  const enabled = list(switches.enable);
  return (name) => {
    if (disabled.has(name)) return true;
    if (switches.enable !== undefined) return !enabled.has(name);
    return false;
  };
}

/**
 * Removes the disabled tables from a registry (engines detach them) and keeps tables that register
 * later (extensions) out too. Returns the names removed now.
 */
export function applyTableSwitches(registry: Registry, switches: TableSwitches = tableSwitchesFromFlags()): string[] {
  const disabled = tableDisabled(switches);
  if (switches.disable === undefined && switches.enable === undefined) return [];
  const removed = registry.tables().map((t) => t.name).filter(disabled);
  for (const name of removed) registry.removeTable(name);
  registry.onTableChange((event, table) => {
    if (event === "add" && disabled(table.name)) registry.removeTable(table.name);
  });
  return removed;
}
