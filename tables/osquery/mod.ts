/**
 * The osquery tables: facts about osq itself. Importing this module registers each of them.
 *
 * @module
 */
import "./osquery_info.ts";
import "./osquery_registry.ts";
import "./osquery_flags.ts";
