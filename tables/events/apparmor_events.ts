import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { flags } from "../../core/flags.ts";
import { events, eventTableRows } from "../../core/events/system.ts";
import { auditPublisher } from "../../core/events/publishers.ts";
import { apparmorEventRow } from "../../core/events/audit_rows.ts";

const subscriber = events.subscriber("apparmor_events", auditPublisher.name);

auditPublisher.listen((event) => {
  if (!flags.bool("audit_allow_apparmor_events") || event.kind !== "apparmor" || event.records.length !== 1) return;
  const row = apparmorEventRow(event.records[0]);
  if (row) subscriber.add(row);
});

export default registerTable(defineTable({
  name: "apparmor_events",
  description: "AppArmor decisions from the kernel audit: the profile, operation, permissions and process.",
  attributes: { event_subscriber: true },
  event: true,
  columns: [
    { name: "type", type: "TEXT" },
    { name: "message", type: "TEXT" },
    { name: "time", type: "BIGINT", additional: true },
    { name: "uptime", type: "BIGINT" },
    { name: "eid", type: "TEXT", hidden: true, linuxHidden: true },
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
    subscriber.subscriptions = flags.bool("audit_allow_apparmor_events") ? 1 : 0;
    return eventTableRows(subscriber, ctx);
  },
}));
