/**
 * The forensic tables: partitions, files and file hashes read straight from a disk or image with
 * The Sleuth Kit (libtsk over FFI), without mounting. Importing this module registers each of them.
 *
 * @module
 */
import "./carves.ts";
import "./device_file.ts";
import "./device_hash.ts";
import "./device_partitions.ts";
