import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { flags } from "../../core/flags.ts";
import { events, eventTableRows } from "../../core/events/system.ts";
import { auditPublisher } from "../../core/events/publishers.ts";
import { userEventRow } from "../../core/events/audit_rows.ts";

const subscriber = events.subscriber("user_events", auditPublisher.name);

auditPublisher.listen((event) => {
  if (!flags.bool("audit_allow_user_events") || event.kind !== "user") return;
  for (const record of event.records) subscriber.add(userEventRow(record));
});

export default registerTable(defineTable({
  name: "user_events",
  description: "User-space audit messages: logins, PAM sessions and authentications, sudo and account changes.",
  attributes: { event_subscriber: true },
  event: true,
  columns: [
    { name: "uid", type: "BIGINT" },
    { name: "auid", type: "BIGINT" },
    { name: "pid", type: "BIGINT" },
    { name: "message", type: "TEXT" },
    { name: "type", type: "INTEGER" },
    { name: "path", type: "TEXT" },
    { name: "address", type: "TEXT" },
    { name: "terminal", type: "TEXT" },
    { name: "time", type: "BIGINT", additional: true },
    { name: "uptime", type: "BIGINT" },
    { name: "eid", type: "TEXT", hidden: true, linuxHidden: true },
  ],
  generate(ctx) {
    subscriber.subscriptions = flags.bool("audit_allow_user_events") ? 1 : 0;
    return eventTableRows(subscriber, ctx);
  },
}));
