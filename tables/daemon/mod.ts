/**
 * The daemon tables: importing this module registers each of them.
 *
 * @module
 */
import "./osquery_schedule.ts";
import "./osquery_packs.ts";
