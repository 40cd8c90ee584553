import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { flags } from "../../core/flags.ts";
import { events, eventTableRows } from "../../core/events/system.ts";
import { auditPublisher } from "../../core/events/publishers.ts";
import { seccompEventRow } from "../../core/events/audit_rows.ts";

const subscriber = events.subscriber("seccomp_events", auditPublisher.name);

auditPublisher.listen((event) => {
  if (!flags.bool("audit_allow_seccomp_events") || event.kind !== "seccomp" || event.records.length !== 1) return;
  subscriber.add(seccompEventRow(event.records[0]));
});

export default registerTable(defineTable({
  name: "seccomp_events",
  description: "System calls a seccomp filter logged, trapped or refused, as the kernel audit reports them.",
  attributes: { event_subscriber: true },
  event: true,
  columns: [
    { name: "time", type: "BIGINT", additional: true },
    { name: "uptime", type: "BIGINT" },
    { name: "auid", type: "UNSIGNED_BIGINT" },
    { name: "uid", type: "UNSIGNED_BIGINT" },
    { name: "gid", type: "UNSIGNED_BIGINT" },
    { name: "ses", type: "UNSIGNED_BIGINT" },
    { name: "pid", type: "UNSIGNED_BIGINT" },
    { name: "comm", type: "TEXT" },
    { name: "exe", type: "TEXT" },
    { name: "sig", type: "BIGINT" },
    { name: "arch", type: "TEXT" },
    { name: "syscall", type: "TEXT" },
    { name: "compat", type: "BIGINT" },
    { name: "ip", type: "TEXT" },
    { name: "code", type: "TEXT" },
  ],
  generate(ctx) {
    subscriber.subscriptions = flags.bool("audit_allow_seccomp_events") ? 1 : 0;
    return eventTableRows(subscriber, ctx);
  },
}));
