import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { flags } from "../../core/flags.ts";
import { events, eventTableRows } from "../../core/events/system.ts";
import { auditPublisher } from "../../core/events/publishers.ts";
import { SYSCALLS } from "../../core/events/audit.ts";
import { socketEventRow } from "../../core/events/audit_rows.ts";

const subscriber = events.subscriber("socket_events", auditPublisher.name);

auditPublisher.listen((event) => {
  if (!flags.bool("audit_allow_sockets")) return;
  const row = socketEventRow(event, SYSCALLS, {
    allowFailed: flags.bool("audit_allow_failed_socket_events"),
    allowUnix: flags.bool("audit_allow_unix"),
    allowAccept: flags.bool("audit_allow_accept_socket_events"),
    allowNullAccept: flags.bool("audit_allow_null_accept_socket_events"),
  });
  if (row) subscriber.add(row);
});

export default registerTable(defineTable({
  name: "socket_events",
  description: "Sockets bound, connected and accepted by processes, as the kernel audit reports them.",
  attributes: { event_subscriber: true },
  event: true,
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
    subscriber.subscriptions = flags.bool("audit_allow_sockets") ? 1 : 0;
    return eventTableRows(subscriber, ctx);
  },
}));
