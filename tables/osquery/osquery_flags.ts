import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { flags, type FlagValue } from "../../core/flags/flags.ts";

/** A flag value as osquery prints it (booleans as true/false). */
function flagText(value: FlagValue): string {
  return typeof value === "boolean" ? (value ? "true" : "false") : String(value);
}

export default registerTable(defineTable({
  name: "osquery_flags",
  description: "Every command-line flag osq accepts, with its type, default and current value.",
  attributes: { utility: true },
  columns: [
    { name: "name", type: "TEXT" },
    { name: "type", type: "TEXT" },
    { name: "description", type: "TEXT" },
    { name: "default_value", type: "TEXT" },
    { name: "value", type: "TEXT" },
    { name: "shell_only", type: "INTEGER" },
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
