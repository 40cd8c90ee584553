import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { auditSubscription } from "./_lib.ts";
import { flags } from "../../core/flags/flags.ts";
import { SYSCALLS } from "../../core/events/audit.ts";
import { socketEventRow } from "./_audit_rows.ts";

const audit = auditSubscription("socket_events", "audit_allow_sockets", (event, add) => {
  const row = socketEventRow(event, SYSCALLS, {
    allowFailed: flags.bool("audit_allow_failed_socket_events"),
    allowUnix: flags.bool("audit_allow_unix"),
    allowAccept: flags.bool("audit_allow_accept_socket_events"),
    allowNullAccept: flags.bool("audit_allow_null_accept_socket_events"),
  });
  if (row) add(row);
});

export default registerTable(defineTable({
  name: "socket_events",
  description: "Sockets bound, connected and accepted by processes, as the kernel audit reports them.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
  columns: [
    { name: "action", type: "TEXT" },
    { name: "pid", type: "BIGINT" },
    { name: "path", type: "TEXT" },
    { name: "fd", type: "TEXT" },
    { name: "auid", type: "BIGINT" },
    { name: "family", type: "INTEGER" },
    { name: "protocol", type: "INTEGER", hidden: true, linuxHidden: true },
    { name: "local_address", type: "TEXT" },
    { name: "remote_address", type: "TEXT" },
    { name: "local_port", type: "INTEGER" },
    { name: "remote_port", type: "INTEGER" },
    { name: "socket", type: "TEXT", hidden: true, linuxHidden: true },
    { name: "time", type: "BIGINT", additional: true },
    { name: "uptime", type: "BIGINT" },
    { name: "eid", type: "TEXT", hidden: true, linuxHidden: true },
    { name: "success", type: "INTEGER", hidden: true, linuxHidden: true },
    { name: "status", type: "TEXT" },
  ],
  generate(ctx) {
    return audit.rows(ctx);
  },
}));
