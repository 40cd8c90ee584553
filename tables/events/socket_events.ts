/**
 * `socket_events`: bind, connect and accept calls from the kernel audit (needs --audit_allow_sockets).
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { auditSubscription } from "./_lib.ts";
import { flags } from "../../core/flags/flags.ts";
import { SYSCALLS } from "../../core/events/audit.ts";
import { socketEventRow } from "./_audit_rows.ts";

export default registerTable(defineTable({
  name: "socket_events",
  description: "Sockets bound, connected and accepted by processes, as the kernel audit reports them.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
  columns: [
    { name: "action", type: "TEXT", description: "The socket call: bind, connect or accept." },
    { name: "pid", type: "BIGINT", description: "Process id of the caller." },
    { name: "path", type: "TEXT", description: "The program the caller runs." },
    { name: "fd", type: "TEXT", description: "The socket's file descriptor." },
    { name: "auid", type: "BIGINT", description: "Audit (login) user id of the caller." },
    { name: "family", type: "INTEGER", description: "The address family (2 IPv4, 10 IPv6, 1 UNIX)." },
    {
      name: "protocol",
      type: "INTEGER",
      hidden: true,
      linuxHidden: true,
      description: "The protocol number, when known.",
    },
    { name: "local_address", type: "TEXT", description: "The local address (for bind)." },
    { name: "remote_address", type: "TEXT", description: "The peer's address (for connect and accept)." },
    { name: "local_port", type: "INTEGER", description: "The local port (for bind)." },
    { name: "remote_port", type: "INTEGER", description: "The peer's port (for connect and accept)." },
    {
      name: "socket",
      type: "TEXT",
      hidden: true,
      linuxHidden: true,
      description: "The socket's path, for UNIX domain sockets.",
    },
    { name: "time", type: "BIGINT", additional: true, description: "Unix time (seconds) the event happened." },
    { name: "uptime", type: "BIGINT", description: "System uptime (seconds) when the event happened." },
    { name: "eid", type: "TEXT", hidden: true, linuxHidden: true, description: "The event's id in the event store." },
    {
      name: "success",
      type: "INTEGER",
      hidden: true,
      linuxHidden: true,
      description: "1 when the call succeeded, else 0 (superseded by status).",
    },
    {
      name: "status",
      type: "TEXT",
      description:
        "succeeded, failed, in_progress (a non-blocking connect) or no_client (an empty non-blocking accept).",
    },
  ],
  generate(ctx) {
    return audit.rows(ctx);
  },
}));

const audit = auditSubscription("socket_events", "audit_allow_sockets", (event, add) => {
  const row = socketEventRow(event, SYSCALLS, {
    allowFailed: flags.bool("audit_allow_failed_socket_events"),
    allowUnix: flags.bool("audit_allow_unix"),
    allowAccept: flags.bool("audit_allow_accept_socket_events"),
    allowNullAccept: flags.bool("audit_allow_null_accept_socket_events"),
  });
  if (row) add(row);
});
