/**
 * The flags that shape result log lines, defined where the results pipeline renders them
 * (core/results/pipeline.ts and decorations.ts); every logger ships the lines as rendered.
 *
 * @module
 */
import { defineFlag } from "../flags/flags.ts";

defineFlag({
  name: "logger_event_type",
  type: "bool",
  default: true,
  description: "Log one line per changed row (false: one diffResults line per run).",
});
defineFlag({
  name: "logger_snapshot_event_type",
  type: "bool",
  default: false,
  description: "Log snapshot results one line per row.",
});
defineFlag({
  name: "logger_numerics",
  type: "bool",
  default: false,
  description: "Log numeric columns as JSON numbers.",
  aliases: ["log_numerics_as_numbers"],
});
defineFlag({
  name: "decorations_top_level",
  type: "bool",
  default: false,
  description: 'Put decorations at the top level of result lines instead of under "decorations".',
});
