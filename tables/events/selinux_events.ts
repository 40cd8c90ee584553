/**
 * `selinux_events`: SELinux messages from the kernel audit, one row per record (needs
 * --audit_allow_selinux_events).
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { AUDIT_MESSAGE_COLUMNS, auditSubscription } from "./_lib.ts";
import { selinuxEventRow } from "./_audit_rows.ts";

export default registerTable(defineTable({
  name: "selinux_events",
  description: "SELinux audit messages (AVC denials, policy loads, status changes) as the kernel wrote them.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
  columns: [
    ...AUDIT_MESSAGE_COLUMNS,
  ],
  generate(ctx) {
    return audit.rows(ctx);
  },
}));

const audit = auditSubscription("selinux_events", "audit_allow_selinux_events", (event, add) => {
  if (event.kind !== "selinux") return;
  for (const record of event.records) add(selinuxEventRow(record));
});
