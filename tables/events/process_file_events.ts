import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { auditSubscription } from "./_lib.ts";
import { flags } from "../../core/flags/flags.ts";
import { auditPublisher } from "../../core/events/publishers.ts";
import { SYSCALLS } from "../../core/events/audit.ts";
import { ProcessFileTracker } from "../../core/events/audit_fim.ts";
import { processFileEventRow } from "./_audit_rows.ts";

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

export default registerTable(defineTable({
  name: "process_file_events",
  description: "Changes processes make to files under the config's file_paths, followed through audited syscalls.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
  columns: [
    { name: "operation", type: "TEXT" },
    { name: "pid", type: "BIGINT" },
    { name: "ppid", type: "BIGINT" },
    { name: "time", type: "BIGINT", additional: true },
    { name: "executable", type: "TEXT" },
    { name: "partial", type: "TEXT" },
    { name: "cwd", type: "TEXT" },
    { name: "path", type: "TEXT" },
    { name: "dest_path", type: "TEXT" },
    { name: "uid", type: "TEXT" },
    { name: "gid", type: "TEXT" },
    { name: "auid", type: "TEXT" },
    { name: "euid", type: "TEXT" },
    { name: "egid", type: "TEXT" },
    { name: "fsuid", type: "TEXT" },
    { name: "fsgid", type: "TEXT" },
    { name: "suid", type: "TEXT" },
    { name: "sgid", type: "TEXT" },
    { name: "uptime", type: "BIGINT" },
    { name: "eid", type: "TEXT", hidden: true, linuxHidden: true },
  ],
  generate(ctx) {
    return audit.rows(ctx);
  },
}));
