/**
 * The processes tables: importing this module registers each of them.
 *
 * @module
 */
import "./processes.ts";
import "./process_open_files.ts";
import "./process_envs.ts";
import "./process_memory_map.ts";
import "./process_namespaces.ts";
import "./process_open_pipes.ts";
import "./ulimit_info.ts";
import "./process_open_sockets.ts";
import "./listening_ports.ts";
