import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { flags } from "../../core/flags.ts";
import { events, eventTableRows } from "../../core/events/system.ts";
import { auditPublisher } from "../../core/events/publishers.ts";
import { SYSCALLS } from "../../core/events/audit.ts";
import { ProcessFileTracker } from "../../core/events/audit_fim.ts";

const subscriber = events.subscriber("process_file_events", auditPublisher.name);

/** The descriptor and inode state behind process_file_events. */
export const processFileTracker: ProcessFileTracker = new ProcessFileTracker({
  included: (path) => auditPublisher.watchesFile(path),
  showAccesses: () => flags.bool("audit_fim_show_accesses"),
  syscalls: SYSCALLS,
});

auditPublisher.listen((event) => {
  if (!flags.bool("audit_allow_fim_events")) return;
  const row = processFileTracker.handle(event);
  if (row) subscriber.add(row);
});

export default registerTable(defineTable({
  name: "process_file_events",
  description: "Changes processes make to files under the config's file_paths, followed through audited syscalls.",
  attributes: { event_subscriber: true },
  event: true,
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
    subscriber.subscriptions = flags.bool("audit_allow_fim_events") ? auditPublisher.filePathCount : 0;
    return eventTableRows(subscriber, ctx);
  },
}));
