/**
 * `process_file_events`: file changes under the config's file_paths, followed through audited
 * syscalls per process (needs --audit_allow_fim_events).
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { auditSubscription } from "./_lib.ts";
import { flags } from "../../core/flags/flags.ts";
import { auditPublisher } from "../../core/events/publishers.ts";
import { SYSCALLS } from "../../core/events/audit.ts";
import { ProcessFileTracker } from "../../core/events/audit_fim.ts";
import { processFileEventRow } from "./_audit_rows.ts";

export default registerTable(defineTable({
  name: "process_file_events",
  description: "Changes processes make to files under the config's file_paths, followed through audited syscalls.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
  columns: [
    {
      name: "operation",
      type: "TEXT",
      description: "What the process did to the file (open, read, write, rename, unlink, ...).",
    },
    { name: "pid", type: "BIGINT", description: "Process id of the process." },
    { name: "ppid", type: "BIGINT", description: "Process id of its parent." },
    { name: "time", type: "BIGINT", additional: true, description: "Unix time (seconds) the event happened." },
    { name: "executable", type: "TEXT", description: "The program the process runs." },
    {
      name: "partial",
      type: "TEXT",
      description:
        '"true" when the process started before osq followed it (its state may be incomplete), else "false".',
    },
    { name: "cwd", type: "TEXT", description: "The process's working directory." },
    { name: "path", type: "TEXT", description: "The file acted on, as the process named it." },
    { name: "dest_path", type: "TEXT", description: "The destination of a rename or link, when there is one." },
    { name: "uid", type: "TEXT", description: "The process's user id." },
    { name: "gid", type: "TEXT", description: "The process's group id." },
    { name: "auid", type: "TEXT", description: "The process's audit (login) user id." },
    { name: "euid", type: "TEXT", description: "The process's effective user id." },
    { name: "egid", type: "TEXT", description: "The process's effective group id." },
    { name: "fsuid", type: "TEXT", description: "The process's filesystem user id." },
    { name: "fsgid", type: "TEXT", description: "The process's filesystem group id." },
    { name: "suid", type: "TEXT", description: "The process's saved user id." },
    { name: "sgid", type: "TEXT", description: "The process's saved group id." },
    { name: "uptime", type: "BIGINT", description: "System uptime (seconds) when the event happened." },
    { name: "eid", type: "TEXT", hidden: true, linuxHidden: true, description: "The event's id in the event store." },
  ],
  generate(ctx) {
    return audit.rows(ctx);
  },
}));

/** The descriptor and inode state behind process_file_events. */
export const processFileTracker: ProcessFileTracker = new ProcessFileTracker({
  included: (path) => auditPublisher.watchesFile(path),
  showAccesses: () => flags.bool("audit_fim_show_accesses"),
  syscalls: SYSCALLS,
});

const audit = auditSubscription("process_file_events", "audit_allow_fim_events", (event, add) => {
  const change = processFileTracker.handle(event);
  if (change) add(processFileEventRow(change));
}, () => auditPublisher.filePathCount);
