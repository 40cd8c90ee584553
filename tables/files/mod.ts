/**
 * The files tables: importing this module registers each of them.
 *
 * @module
 */
import "./file.ts";
import "./hash.ts";
import "./suid_bin.ts";
import "./extended_attributes.ts";
