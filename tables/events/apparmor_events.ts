import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { AUDIT_MESSAGE_COLUMNS, auditSubscription } from "./_lib.ts";
import { apparmorEventRow } from "./_audit_rows.ts";

const audit = auditSubscription("apparmor_events", "audit_allow_apparmor_events", (event, add) => {
  if (event.kind !== "apparmor" || event.records.length !== 1) return;
  const row = apparmorEventRow(event.records[0]);
  if (row) add(row);
});

export default registerTable(defineTable({
  name: "apparmor_events",
  description: "AppArmor decisions from the kernel audit: the profile, operation, permissions and process.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
  columns: [
    ...AUDIT_MESSAGE_COLUMNS,
    { name: "apparmor", type: "TEXT" },
    { name: "operation", type: "TEXT" },
    { name: "parent", type: "UNSIGNED_BIGINT" },
    { name: "profile", type: "TEXT" },
    { name: "name", type: "TEXT" },
    { name: "pid", type: "UNSIGNED_BIGINT" },
    { name: "comm", type: "TEXT" },
    { name: "denied_mask", type: "TEXT" },
    { name: "capname", type: "TEXT" },
    { name: "fsuid", type: "UNSIGNED_BIGINT" },
    { name: "ouid", type: "UNSIGNED_BIGINT" },
    { name: "capability", type: "BIGINT" },
    { name: "requested_mask", type: "TEXT" },
    { name: "info", type: "TEXT" },
    { name: "error", type: "TEXT" },
    { name: "namespace", type: "TEXT" },
    { name: "label", type: "TEXT" },
  ],
  generate(ctx) {
    return audit.rows(ctx);
  },
}));
