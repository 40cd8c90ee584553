import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { auditSubscription } from "./_lib.ts";
import { userEventRow } from "./_audit_rows.ts";

const audit = auditSubscription("user_events", "audit_allow_user_events", (event, add) => {
  if (event.kind !== "user") return;
  for (const record of event.records) add(userEventRow(record));
});

export default registerTable(defineTable({
  name: "user_events",
  description: "User-space audit messages: logins, PAM sessions and authentications, sudo and account changes.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
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
    return audit.rows(ctx);
  },
}));
