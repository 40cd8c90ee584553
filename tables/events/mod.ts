/**
 * The event tables and the event system's own table. Importing this module registers each.
 *
 * @module
 */
import "./hardware_events.ts";
import "./file_events.ts";
import "./osquery_events.ts";
import "./process_events.ts";
import "./socket_events.ts";
import "./user_events.ts";
import "./selinux_events.ts";
import "./apparmor_events.ts";
import "./seccomp_events.ts";
import "./process_file_events.ts";
import "./syslog_events.ts";
