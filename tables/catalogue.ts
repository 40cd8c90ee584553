/**
 * The table catalogue: importing it loads and registers every built-in table, area by area.
 * (tables/lazy_catalogue.ts registers them by schema only and loads each on first use.)
 * Each area's mod.ts imports its own tables.
 *
 * @module
 */
import "./osquery/mod.ts";
import "./system/mod.ts";
import "./processes/mod.ts";
import "./users/mod.ts";
import "./files/mod.ts";
import "./network/mod.ts";
import "./software/mod.ts";
import "./content/mod.ts";
import "./docker/mod.ts";
import "./daemon/mod.ts";
import "./extensions/mod.ts";
import "./events/mod.ts";
import "./lxd/mod.ts";
import "./cloud/mod.ts";
import "./applications/mod.ts";
import "./forensic/mod.ts";
