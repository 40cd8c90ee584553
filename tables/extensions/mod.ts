/**
 * The extensions tables: importing this module registers each of them.
 *
 * @module
 */
import "./osquery_extensions.ts";
