/**
 * `apparmor_events`: AppArmor decisions from the kernel audit, one row per message (needs
 * --audit_allow_apparmor_events).
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { AUDIT_MESSAGE_COLUMNS, auditSubscription } from "./_lib.ts";
import { apparmorEventRow } from "./_audit_rows.ts";

export default registerTable(defineTable({
  name: "apparmor_events",
  description: "AppArmor decisions from the kernel audit: the profile, operation, permissions and process.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
  columns: [
    ...AUDIT_MESSAGE_COLUMNS,
    { name: "apparmor", type: "TEXT", description: "AppArmor's verdict (ALLOWED, DENIED, AUDIT, STATUS, ...)." },
    { name: "operation", type: "TEXT", description: "The operation that was checked (open, exec, capable, ...)." },
    { name: "parent", type: "UNSIGNED_BIGINT", description: "Process id of the parent of the process checked." },
    { name: "profile", type: "TEXT", description: "The AppArmor profile that applied." },
    {
      name: "name",
      type: "TEXT",
      description: "The object acted on (a path, or the profile's name for profile changes).",
    },
    { name: "pid", type: "UNSIGNED_BIGINT", description: "Process id of the process checked." },
    { name: "comm", type: "TEXT", description: "The command name of the process checked." },
    { name: "denied_mask", type: "TEXT", description: "The permissions refused." },
    { name: "capname", type: "TEXT", description: "The name of the capability asked for." },
    { name: "fsuid", type: "UNSIGNED_BIGINT", description: "The process's filesystem user id." },
    { name: "ouid", type: "UNSIGNED_BIGINT", description: "User id of the object's owner." },
    { name: "capability", type: "BIGINT", description: "The number of the capability asked for." },
    { name: "requested_mask", type: "TEXT", description: "The permissions asked for." },
    { name: "info", type: "TEXT", description: "AppArmor's extra explanation." },
    { name: "error", type: "TEXT", description: "The error code AppArmor gave, if any." },
    { name: "namespace", type: "TEXT", description: "The AppArmor policy namespace." },
    { name: "label", type: "TEXT", description: "The AppArmor label of the process." },
  ],
  generate(ctx) {
    return audit.rows(ctx);
  },
}));

const audit = auditSubscription("apparmor_events", "audit_allow_apparmor_events", (event, add) => {
  if (event.kind !== "apparmor" || event.records.length !== 1) return;
  const row = apparmorEventRow(event.records[0]);
  if (row) add(row);
});
