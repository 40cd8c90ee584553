/**
 * `user_events`: user-space audit messages (logins, PAM, sudo, account changes) from the kernel audit
 * (needs --audit_allow_user_events).
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { auditSubscription } from "./_lib.ts";
import { userEventRow } from "./_audit_rows.ts";

export default registerTable(defineTable({
  name: "user_events",
  description: "User-space audit messages: logins, PAM sessions and authentications, sudo and account changes.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
  columns: [
    { name: "uid", type: "BIGINT", description: "User id of the process that wrote the message." },
    { name: "auid", type: "BIGINT", description: "Audit (login) user id of that process." },
    { name: "pid", type: "BIGINT", description: "Process id of that process." },
    { name: "message", type: "TEXT", description: "The message's msg='...' text." },
    { name: "type", type: "INTEGER", description: "The audit record type number (e.g. 1112 USER_LOGIN)." },
    { name: "path", type: "TEXT", description: "The program named in the message (exe=)." },
    { name: "address", type: "TEXT", description: "The remote address named in the message (addr=)." },
    { name: "terminal", type: "TEXT", description: "The terminal named in the message (terminal=)." },
    { name: "time", type: "BIGINT", additional: true, description: "Unix time (seconds) the event happened." },
    { name: "uptime", type: "BIGINT", description: "System uptime (seconds) when the event happened." },
    { name: "eid", type: "TEXT", hidden: true, linuxHidden: true, description: "The event's id in the event store." },
  ],
  generate(ctx) {
    return audit.rows(ctx);
  },
}));

const audit = auditSubscription("user_events", "audit_allow_user_events", (event, add) => {
  if (event.kind !== "user") return;
  for (const record of event.records) add(userEventRow(record));
});
