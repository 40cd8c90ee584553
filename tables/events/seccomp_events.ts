import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { auditSubscription } from "./_lib.ts";
import { seccompEventRow } from "./_audit_rows.ts";

const audit = auditSubscription("seccomp_events", "audit_allow_seccomp_events", (event, add) => {
  if (event.kind !== "seccomp" || event.records.length !== 1) return;
  add(seccompEventRow(event.records[0]));
});

export default registerTable(defineTable({
  name: "seccomp_events",
  description: "System calls a seccomp filter logged, trapped or refused, as the kernel audit reports them.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
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
    return audit.rows(ctx);
  },
}));
