/**
 * `file`: stat(2) details of the paths a query names (`path =`, `path LIKE`) or of every entry of
 * the directories it names (`directory =`, `directory LIKE`), as osquery reports them: mode as
 * four octal digits, `type` of the symlink's target, `symlink` and its target for links.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { isDirectory, joinPath } from "../../core/host/files.ts";
import { listEntries, lstat, octalMode, stat } from "../../core/host/statx.ts";
import { GLOB, iterateConstrainedPaths } from "../../core/host/glob.ts";
import { fileName, namespaceRoots, parentPath } from "./_lib.ts";

/**
 * The `file` row for `path`, reported under `directory`; undefined when the path cannot be
 * lstat'ed. `real` is where to read it (the path under a namespace root), `pid` the namespace.
 */
export function fileRow(path: string, directory: string, real = path, pid = 0): Row | undefined {
  const link = lstat(real);
  if (!link) return undefined;
  let info = link;
  let type = link.type;
  let symlinkTarget = "";
  if (link.type === "symlink") {
    try {
      symlinkTarget = Deno.readLinkSync(real);
    } catch {
      symlinkTarget = "";
    }
    // The link's own details when its target cannot be reached, and then an unknown type.
    const target = stat(real);
    info = target ?? link;
    type = target?.type ?? "unknown";
  }
  // One literal with every column (the TEXT ones osquery leaves empty included): rows of one
  // shape stay cheap to build and to read for a walk of a hundred thousand files.
  return {
    path,
    directory,
    filename: fileName(path),
    inode: info.ino,
    uid: info.uid,
    gid: info.gid,
    mode: octalMode(info.mode),
    // osquery reports st_rdev here: the device number of a device node, 0 for ordinary files.
    device: info.rdev,
    size: info.size,
    block_size: info.blksize,
    atime: info.atime,
    mtime: info.mtime,
    ctime: info.ctime,
    // Birth time comes from statx(2) where the filesystem records it; 0 otherwise.
    btime: info.btime,
    hard_links: info.nlink,
    symlink: link.type === "symlink" ? 1 : 0,
    type,
    symlink_target_path: symlinkTarget,
    attributes: "",
    volume_serial: "",
    file_id: "",
    file_version: "",
    product_version: "",
    original_filename: "",
    shortcut_target_path: "",
    shortcut_target_type: "",
    shortcut_target_location: "",
    shortcut_start_in: "",
    shortcut_run: "",
    shortcut_comment: "",
    bsd_flags: "",
    pid_with_namespace: pid,
    mount_namespace_id: "",
  };
}

/** The `file` table. */
export function fileTable(): TableSpec {
  // fileRow sets every TEXT column itself (osquery reads unset ones as ""), so no wrapper is needed.
  return defineTable({
    name: "file",
    description: "Interactive filesystem attributes and metadata for the paths or directories a query names.",
    columns: [
      { name: "path", type: "TEXT", required: true, index: true, optimized: true },
      { name: "directory", type: "TEXT", required: true, optimized: true },
      { name: "filename", type: "TEXT" },
      { name: "inode", type: "BIGINT" },
      { name: "uid", type: "BIGINT" },
      { name: "gid", type: "BIGINT" },
      { name: "mode", type: "TEXT" },
      { name: "device", type: "BIGINT" },
      { name: "size", type: "BIGINT" },
      { name: "block_size", type: "INTEGER" },
      { name: "atime", type: "BIGINT" },
      { name: "mtime", type: "BIGINT" },
      { name: "ctime", type: "BIGINT" },
      { name: "btime", type: "BIGINT" },
      { name: "hard_links", type: "INTEGER" },
      { name: "symlink", type: "INTEGER" },
      { name: "type", type: "TEXT" },
      { name: "symlink_target_path", type: "TEXT" },
      { name: "attributes", type: "TEXT", linuxHidden: true },
      { name: "volume_serial", type: "TEXT", linuxHidden: true },
      { name: "file_id", type: "TEXT", linuxHidden: true },
      { name: "file_version", type: "TEXT", linuxHidden: true, collate: "version" },
      { name: "product_version", type: "TEXT", linuxHidden: true, collate: "version" },
      { name: "original_filename", type: "TEXT", linuxHidden: true },
      { name: "shortcut_target_path", type: "TEXT", linuxHidden: true },
      { name: "shortcut_target_type", type: "TEXT", linuxHidden: true },
      { name: "shortcut_target_location", type: "TEXT", linuxHidden: true },
      { name: "shortcut_start_in", type: "TEXT", linuxHidden: true },
      { name: "shortcut_run", type: "TEXT", linuxHidden: true },
      { name: "shortcut_comment", type: "TEXT", linuxHidden: true },
      { name: "bsd_flags", type: "TEXT", linuxHidden: true },
      { name: "pid_with_namespace", type: "INTEGER", additional: true, hidden: true, linuxHidden: true },
      { name: "mount_namespace_id", type: "TEXT", hidden: true, linuxHidden: true },
    ],
    attributes: { utility: true },
    *generate(ctx) {
      for (const { pid, root } of namespaceRoots(ctx)) {
        for (const path of iterateConstrainedPaths(ctx, "path", GLOB.ALL, root)) {
          const row = fileRow(path, parentPath(path), root + path, pid);
          if (row) yield row;
        }
        for (const dir of iterateConstrainedPaths(ctx, "directory", GLOB.FOLDERS, root)) {
          if (!isDirectory(root + dir)) continue;
          for (const entry of listEntries(root + dir)) {
            const path = joinPath(dir, entry.name);
            const row = fileRow(path, dir, root + path, pid);
            if (row) yield row;
          }
        }
      }
    },
  });
}

export default registerTable(fileTable());
