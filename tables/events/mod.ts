/**
 * The event tables and the event system's own table. Importing this module registers each.
 *
 * @module
 */
import "./hardware_events.ts";
import "./file_events.ts";
import "./osquery_events.ts";
