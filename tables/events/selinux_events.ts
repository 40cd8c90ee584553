import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { flags } from "../../core/flags.ts";
import { events, eventTableRows } from "../../core/events/system.ts";
import { auditPublisher } from "../../core/events/publishers.ts";
import { selinuxEventRow } from "../../core/events/audit_rows.ts";

const subscriber = events.subscriber("selinux_events", auditPublisher.name);

auditPublisher.listen((event) => {
  if (!flags.bool("audit_allow_selinux_events") || event.kind !== "selinux") return;
  for (const record of event.records) subscriber.add(selinuxEventRow(record));
});

export default registerTable(defineTable({
  name: "selinux_events",
  description: "SELinux audit messages (AVC denials, policy loads, status changes) as the kernel wrote them.",
  attributes: { event_subscriber: true },
  event: true,
  columns: [
    { name: "type", type: "TEXT" },
    { name: "message", type: "TEXT" },
    { name: "time", type: "BIGINT", additional: true },
    { name: "uptime", type: "BIGINT" },
    { name: "eid", type: "TEXT", hidden: true, linuxHidden: true },
  ],
  generate(ctx) {
    subscriber.subscriptions = flags.bool("audit_allow_selinux_events") ? 1 : 0;
    return eventTableRows(subscriber, ctx);
  },
}));
