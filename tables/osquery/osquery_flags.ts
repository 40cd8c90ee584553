/**
 * `osquery_flags`: every flag osq knows, with its current and default value.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { flags, type FlagValue } from "../../core/flags/flags.ts";

export default registerTable(defineTable({
  name: "osquery_flags",
  description: "Every command-line flag osq accepts, with its type, default and current value.",
  attributes: { utility: true },
  columns: [
    { name: "name", type: "TEXT", description: "The flag's name, without leading dashes." },
    { name: "type", type: "TEXT", description: "The value's kind (bool, string, int32, ...)." },
    { name: "description", type: "TEXT", description: "What the flag controls." },
    { name: "default_value", type: "TEXT", description: "The value used when the flag is not given." },
    { name: "value", type: "TEXT", description: "The value in effect now." },
    {
      name: "shell_only",
      type: "INTEGER",
      description: "1 when the flag only matters to the interactive shell, else 0.",
    },
  ],
  generate() {
    return flags.all().map(({ spec, value }) => ({
      name: spec.name,
      type: spec.type,
      description: spec.description,
      default_value: flagText(spec.default),
      value: flagText(value),
      shell_only: spec.shell ? 1 : 0,
    }));
  },
}));

/** A flag value as osquery prints it (booleans as true/false). */
function flagText(value: FlagValue): string {
  return typeof value === "boolean" ? (value ? "true" : "false") : String(value);
}
