/**
 * `process_events`: programs started (and, with their flags, forks and kills) from the kernel audit
 * (needs --audit_allow_process_events).
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { auditSubscription } from "./_lib.ts";
import { SYSCALLS } from "../../core/events/audit.ts";
import { executableFileColumns, processEventRow } from "./_audit_rows.ts";

export default registerTable(defineTable({
  name: "process_events",
  description:
    "Programs started (execve, execveat), and with their flags forks and kills, as the kernel audit reports them.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
  columns: [
    { name: "pid", type: "BIGINT", description: "Process (or thread) id." },
    { name: "path", type: "TEXT", description: "The program that was executed." },
    { name: "mode", type: "TEXT", description: "Permission bits of the program file, in octal." },
    { name: "cmdline", type: "TEXT", description: "The arguments (argv), space-separated." },
    {
      name: "cmdline_size",
      type: "BIGINT",
      hidden: true,
      linuxHidden: true,
      description: "Size in bytes of the arguments.",
    },
    {
      name: "env",
      type: "TEXT",
      hidden: true,
      linuxHidden: true,
      aliases: ["environment"],
      description: "The environment, space-separated.",
    },
    {
      name: "env_count",
      type: "BIGINT",
      hidden: true,
      linuxHidden: true,
      aliases: ["environment_count"],
      description: "How many environment variables there were.",
    },
    {
      name: "env_size",
      type: "BIGINT",
      hidden: true,
      linuxHidden: true,
      aliases: ["environment_size"],
      description: "Size in bytes of the environment.",
    },
    { name: "cwd", type: "TEXT", description: "The working directory." },
    { name: "auid", type: "BIGINT", description: "Audit (login) user id." },
    { name: "uid", type: "BIGINT", description: "User id." },
    { name: "euid", type: "BIGINT", description: "Effective user id." },
    { name: "gid", type: "BIGINT", description: "Group id." },
    { name: "egid", type: "BIGINT", description: "Effective group id." },
    { name: "owner_uid", type: "BIGINT", description: "User id of the program file's owner." },
    { name: "owner_gid", type: "BIGINT", description: "Group id of the program file's owner." },
    {
      name: "atime",
      type: "BIGINT",
      aliases: ["access_time"],
      description: "Unix time (seconds) the program file was last read.",
    },
    {
      name: "mtime",
      type: "BIGINT",
      aliases: ["modify_time"],
      description: "Unix time (seconds) the program file was last modified.",
    },
    {
      name: "ctime",
      type: "BIGINT",
      aliases: ["change_time"],
      description: "Unix time (seconds) of the program file's last metadata change.",
    },
    {
      name: "btime",
      type: "BIGINT",
      aliases: ["create_time"],
      description: "Unix time (seconds) the program file was created.",
    },
    {
      name: "overflows",
      type: "TEXT",
      hidden: true,
      linuxHidden: true,
      description: "Which parts were too large and cut short.",
    },
    { name: "parent", type: "BIGINT", description: "Process id of the parent, or -1 when unknown." },
    { name: "time", type: "BIGINT", additional: true, description: "Unix time (seconds) the event happened." },
    { name: "uptime", type: "BIGINT", description: "System uptime (seconds) when the event happened." },
    { name: "eid", type: "TEXT", hidden: true, linuxHidden: true, description: "The event's id in the event store." },
    { name: "status", type: "BIGINT", linuxHidden: true, description: "The exit status (not reported on Linux)." },
    { name: "fsuid", type: "BIGINT", description: "Filesystem user id." },
    { name: "suid", type: "BIGINT", description: "Saved user id." },
    { name: "fsgid", type: "BIGINT", description: "Filesystem group id." },
    { name: "sgid", type: "BIGINT", description: "Saved group id." },
    { name: "syscall", type: "TEXT", description: "The system call: execve, execveat, fork, vfork or clone." },
  ],
  generate(ctx) {
    return audit.rows(ctx);
  },
}));

const audit = auditSubscription("process_events", "audit_allow_process_events", (event, add) => {
  const row = processEventRow(event, SYSCALLS);
  if (row) add({ ...row, ...executableFileColumns(String(row.path), row.mode) });
});
