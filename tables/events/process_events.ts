import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { auditSubscription } from "./_lib.ts";
import { SYSCALLS } from "../../core/events/audit.ts";
import { executableFileColumns, processEventRow } from "./_audit_rows.ts";

const audit = auditSubscription("process_events", "audit_allow_process_events", (event, add) => {
  const row = processEventRow(event, SYSCALLS);
  if (row) add({ ...row, ...executableFileColumns(String(row.path), row.mode) });
});

export default registerTable(defineTable({
  name: "process_events",
  description:
    "Programs started (execve, execveat), and with their flags forks and kills, as the kernel audit reports them.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
  columns: [
    { name: "pid", type: "BIGINT" },
    { name: "path", type: "TEXT" },
    { name: "mode", type: "TEXT" },
    { name: "cmdline", type: "TEXT" },
    { name: "cmdline_size", type: "BIGINT", hidden: true, linuxHidden: true },
    { name: "env", type: "TEXT", hidden: true, linuxHidden: true, aliases: ["environment"] },
    { name: "env_count", type: "BIGINT", hidden: true, linuxHidden: true, aliases: ["environment_count"] },
    { name: "env_size", type: "BIGINT", hidden: true, linuxHidden: true, aliases: ["environment_size"] },
    { name: "cwd", type: "TEXT" },
    { name: "auid", type: "BIGINT" },
    { name: "uid", type: "BIGINT" },
    { name: "euid", type: "BIGINT" },
    { name: "gid", type: "BIGINT" },
    { name: "egid", type: "BIGINT" },
    { name: "owner_uid", type: "BIGINT" },
    { name: "owner_gid", type: "BIGINT" },
    { name: "atime", type: "BIGINT", aliases: ["access_time"] },
    { name: "mtime", type: "BIGINT", aliases: ["modify_time"] },
    { name: "ctime", type: "BIGINT", aliases: ["change_time"] },
    { name: "btime", type: "BIGINT", aliases: ["create_time"] },
    { name: "overflows", type: "TEXT", hidden: true, linuxHidden: true },
    { name: "parent", type: "BIGINT" },
    { name: "time", type: "BIGINT", additional: true },
    { name: "uptime", type: "BIGINT" },
    { name: "eid", type: "TEXT", hidden: true, linuxHidden: true },
    { name: "status", type: "BIGINT", linuxHidden: true },
    { name: "fsuid", type: "BIGINT" },
    { name: "suid", type: "BIGINT" },
    { name: "fsgid", type: "BIGINT" },
    { name: "sgid", type: "BIGINT" },
    { name: "syscall", type: "TEXT" },
  ],
  generate(ctx) {
    return audit.rows(ctx);
  },
}));
