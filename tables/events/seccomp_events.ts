/**
 * `seccomp_events`: system calls a seccomp filter acted on, from the kernel audit (needs
 * --audit_allow_seccomp_events).
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { auditSubscription } from "./_lib.ts";
import { seccompEventRow } from "./_audit_rows.ts";

export default registerTable(defineTable({
  name: "seccomp_events",
  description: "System calls a seccomp filter logged, trapped or refused, as the kernel audit reports them.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
  columns: [
    { name: "time", type: "BIGINT", additional: true, description: "Unix time (seconds) the event happened." },
    { name: "uptime", type: "BIGINT", description: "System uptime (seconds) when the event happened." },
    { name: "auid", type: "UNSIGNED_BIGINT", description: "Audit (login) user id of the process." },
    { name: "uid", type: "UNSIGNED_BIGINT", description: "User id of the process." },
    { name: "gid", type: "UNSIGNED_BIGINT", description: "Group id of the process." },
    { name: "ses", type: "UNSIGNED_BIGINT", description: "Audit session id of the process." },
    { name: "pid", type: "UNSIGNED_BIGINT", description: "Process id of the process." },
    { name: "comm", type: "TEXT", description: "The command name of the process." },
    { name: "exe", type: "TEXT", description: "The program the process runs." },
    { name: "sig", type: "BIGINT", description: "The signal seccomp sent the process (0 when none)." },
    { name: "arch", type: "TEXT", description: "The system call ABI, by name (e.g. x86_64)." },
    { name: "syscall", type: "TEXT", description: "The system call, by name." },
    { name: "compat", type: "BIGINT", description: "1 when the call was made through a compatibility ABI, else 0." },
    { name: "ip", type: "TEXT", description: "The instruction pointer at the call." },
    { name: "code", type: "TEXT", description: "The filter's action (KILL, TRAP, ERRNO, LOG, ...)." },
  ],
  generate(ctx) {
    return audit.rows(ctx);
  },
}));

const audit = auditSubscription("seccomp_events", "audit_allow_seccomp_events", (event, add) => {
  if (event.kind !== "seccomp" || event.records.length !== 1) return;
  add(seccompEventRow(event.records[0]));
});
