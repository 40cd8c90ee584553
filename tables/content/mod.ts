/**
 * The content tables: importing this module registers each of them.
 *
 * @module
 */
import "./magic.ts";
import "./yara_file.ts";
import "./yara_process.ts";
import "./yara_events.ts";
