/**
 * `file_events`: changes to the paths the config's file_paths name, seen through inotify (needs
 * --enable_file_events).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { events, eventTableRows } from "../../core/events/system.ts";
import { inotifyPublisher } from "../../core/events/publishers.ts";
import { hashFileSync } from "../../core/host/hash.ts";
import { lstat } from "../../core/host/statx.ts";
import { flags } from "../../core/flags/flags.ts";

export default registerTable(defineTable({
  name: "file_events",
  description: "Changes to the files and directories the config's file_paths name, seen through inotify.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
  columns: [
    { name: "target_path", type: "TEXT", description: "The file or directory that changed." },
    { name: "category", type: "TEXT", description: "The file_paths category it falls under." },
    {
      name: "action",
      type: "TEXT",
      description: "What happened (CREATED, UPDATED, DELETED, MOVED_FROM, MOVED_TO, ...).",
    },
    {
      name: "transaction_id",
      type: "BIGINT",
      description: "inotify's cookie tying the two halves of a move together (0 otherwise).",
    },
    { name: "inode", type: "BIGINT", description: "The file's inode number." },
    { name: "uid", type: "BIGINT", description: "The owning user's id." },
    { name: "gid", type: "BIGINT", description: "The owning group's id." },
    { name: "mode", type: "TEXT", description: "Permission bits in octal (e.g. 0644)." },
    { name: "size", type: "BIGINT", description: "Size of the file in bytes." },
    { name: "atime", type: "BIGINT", description: "Unix time (seconds) of the last access." },
    { name: "mtime", type: "BIGINT", description: "Unix time (seconds) of the last content change." },
    { name: "ctime", type: "BIGINT", description: "Unix time (seconds) of the last metadata change." },
    { name: "md5", type: "TEXT", collate: "nocase", description: "MD5 of the content after the change, in hex." },
    { name: "sha1", type: "TEXT", collate: "nocase", description: "SHA-1 of the content after the change, in hex." },
    {
      name: "sha256",
      type: "TEXT",
      collate: "nocase",
      description: "SHA-256 of the content after the change, in hex.",
    },
    { name: "hashed", type: "INTEGER", description: "1 when the file was hashed, 0 when not, -1 when hashing failed." },
    { name: "time", type: "BIGINT", additional: true, description: "Unix time (seconds) the event happened." },
    { name: "eid", type: "TEXT", hidden: true, linuxHidden: true, description: "The event's id in the event store." },
  ],
  generate(ctx) {
    return eventTableRows(subscriber, ctx);
  },
}));

const subscriber = events.subscriber("file_events", "inotify");
subscriber.countSubscriptions = () => inotifyPublisher.watchCount;

/**
 * File metadata (and digests, for creations and updates) osquery attaches to a file event, set
 * on `row` (the event's own fields, so a burst builds one object per event) and returned.
 * `hashed` is osquery's: 0 when no digest was asked for, 1 when the file was hashed, -1 when a
 * digest was asked for and none came (the path is gone, or is not a regular file: osquery's
 * `hash` table gives no row for it).
 */
export function decorateFileEvent(path: string, hash: boolean, row: Row = {}): Row {
  row.hashed = hash ? -1 : 0;
  row.md5 = "";
  row.sha1 = "";
  row.sha256 = "";
  // statx(2) over FFI: no FileInfo and three Dates per event (a burst's garbage).
  const st = lstat(path);
  // The file is gone (deleted or moved): the event keeps its path and action only.
  if (!st) return row;
  row.inode = st.ino;
  row.uid = st.uid;
  row.gid = st.gid;
  row.mode = "0" + (st.mode & 0o7777).toString(8).padStart(3, "0");
  row.size = st.size;
  row.atime = st.atime;
  row.mtime = st.mtime;
  row.ctime = st.ctime;
  if (hash && st.type === "regular") {
    try {
      const digests = hashFileSync(path, ALGORITHMS);
      row.md5 = digests.md5;
      row.sha1 = digests.sha1;
      row.sha256 = digests.sha256;
      row.hashed = 1;
    } catch {
      // Gone (or unreadable) between the stat and the read: no digests, hashing failed.
    }
  }
  return row;
}

const ALGORITHMS = ["md5", "sha1", "sha256"] as const;

/**
 * The last change whose file was read and hashed: its path, delivery pass and row. The change
 * delivered right after it, in the same pass, for the same file and also to be hashed (a
 * creation and its close-after-write, typically) takes that read's fields: the read came after
 * both changes (core/events/inotify.ts reads the kernel only between passes), so reading the
 * file again would show the same state a moment later. A change to the file after the read is a
 * new kernel event, decorated afresh in a later pass.
 */
let lastRead: { path: string; pass: number; row: Row } | undefined;

/** How many times a change's file was stat'ed (and hashed, when asked) since start. */
export const fileEventReads = { count: 0 };

/** The fields a decoration sets (stat and digests): what a change sharing the last read copies from it. */
const DECORATION = [
  "hashed",
  "md5",
  "sha1",
  "sha256",
  "inode",
  "uid",
  "gid",
  "mode",
  "size",
  "atime",
  "mtime",
  "ctime",
];

inotifyPublisher.listen((change, pass) => {
  // The watches may run for yara_events alone; file_events records only when enabled.
  if (!flags.bool("enable_file_events")) return;
  const hash = !change.subscription.accesses && (change.action === "CREATED" || change.action === "UPDATED");
  const row: Row = {
    target_path: change.path,
    category: change.subscription.category,
    action: change.action,
    transaction_id: change.cookie,
  };
  const last = lastRead;
  lastRead = undefined;
  if (hash && last?.pass === pass && last.path === change.path) {
    for (const field of DECORATION) if (field in last.row) row[field] = last.row[field];
  } else {
    fileEventReads.count++;
    decorateFileEvent(change.path, hash, row);
  }
  if (hash) lastRead = { path: change.path, pass, row };
  subscriber.add(row);
});
