/**
 * The event system's flags (`--disable_events`, `--events_expiry`, `--events_max`,
 * `--events_optimize`), declared apart from core/events/system.ts so a face that only has to
 * accept them (the shell, which always disables events) does not load the event system.
 *
 * @module
 */
import { defineFlag } from "../flags/flags.ts";

defineFlag({
  name: "disable_events",
  type: "bool",
  default: false,
  description: "Turn off the event publishers and subscribers (the shell always does)",
});
defineFlag({
  name: "events_expiry",
  type: "uint64",
  default: 3600,
  description: "Seconds an event is kept before it expires (applied when an event table is queried)",
});
defineFlag({
  name: "events_max",
  type: "uint64",
  default: 50000,
  description: "Most events kept per subscriber; older ones are dropped first",
});
defineFlag({
  name: "events_optimize",
  type: "bool",
  default: true,
  description: "Scheduled queries of event tables read only events newer than their previous run",
});
