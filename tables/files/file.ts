/**
 * `file`: stat(2) details of the paths a query names (`path =`, `path LIKE`) or of every entry of
 * the directories it names (`directory =`, `directory LIKE`), as osquery reports them: mode as
 * four octal digits, `type` of the symlink's target, `symlink` and its target for links. A `%%`
 * pattern is walked as a stream (core/host/glob.ts), so memory does not grow with the files found.
 *
 * @module
 */
import { defineTable, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { isDirectory, joinPath, readLink } from "../../core/host/files.ts";
import { lstat, octalMode, readDirectory, stat } from "../../core/host/statx.ts";
import { GLOB, iterateConstrainedPaths } from "../../core/host/glob.ts";
import { type NamespaceRoot, namespaceRoots } from "../../core/host/namespace_roots.ts";
import { fileName, parentPath } from "./_lib.ts";

export default registerTable(defineTable({
  name: "file",
  description: "Filesystem metadata (stat) of the paths or directory entries a query names.",
  columns: [
    {
      name: "path",
      type: "TEXT",
      required: true,
      index: true,
      optimized: true,
      description: "The file's absolute path (= or LIKE; a directory found by LIKE ends in '/').",
    },
    {
      name: "directory",
      type: "TEXT",
      required: true,
      optimized: true,
      description: "The directory holding the file; = or LIKE lists that directory's entries.",
    },
    { name: "filename", type: "TEXT", description: "The last component of the path ('.' for a path ending in '/')." },
    { name: "inode", type: "BIGINT", description: "The inode number on its filesystem." },
    { name: "uid", type: "BIGINT", description: "The owner's user id." },
    { name: "gid", type: "BIGINT", description: "The owner's group id." },
    { name: "mode", type: "TEXT", description: "Permission bits as four octal digits, e.g. 0644 or 4755." },
    { name: "device", type: "BIGINT", description: "For a device node, its device number (st_rdev); 0 otherwise." },
    { name: "size", type: "BIGINT", description: "Size in bytes." },
    { name: "block_size", type: "INTEGER", description: "The filesystem's preferred I/O block size, in bytes." },
    { name: "atime", type: "BIGINT", description: "Last access, seconds since the Unix epoch." },
    { name: "mtime", type: "BIGINT", description: "Last change of the contents, seconds since the Unix epoch." },
    {
      name: "ctime",
      type: "BIGINT",
      description: "Last change of the inode (metadata), seconds since the Unix epoch.",
    },
    { name: "btime", type: "BIGINT", description: "Creation (birth) time where the filesystem records it, else 0." },
    { name: "hard_links", type: "INTEGER", description: "Number of hard links to the inode." },
    { name: "symlink", type: "INTEGER", description: "1 when the path itself is a symbolic link, else 0." },
    {
      name: "type",
      type: "TEXT",
      description:
        "regular, directory, symlink, block, character, fifo, socket; a link's target's, unknown if dangling.",
    },
    { name: "symlink_target_path", type: "TEXT", description: "For a symbolic link, the target it names; else empty." },
    { name: "attributes", type: "TEXT", linuxHidden: true, description: "Windows: the attrib flags string." },
    { name: "volume_serial", type: "TEXT", linuxHidden: true, description: "Windows: the volume's serial number." },
    { name: "file_id", type: "TEXT", linuxHidden: true, description: "Windows: the file's id on its volume." },
    {
      name: "file_version",
      type: "TEXT",
      linuxHidden: true,
      collate: "version",
      description: "Windows: the executable's file version.",
    },
    {
      name: "product_version",
      type: "TEXT",
      linuxHidden: true,
      collate: "version",
      description: "Windows: the executable's product version.",
    },
    {
      name: "original_filename",
      type: "TEXT",
      linuxHidden: true,
      description: "Windows: the name the executable was built with.",
    },
    {
      name: "shortcut_target_path",
      type: "TEXT",
      linuxHidden: true,
      description: "Windows: where a shortcut (.lnk) points.",
    },
    {
      name: "shortcut_target_type",
      type: "TEXT",
      linuxHidden: true,
      description: "Windows: the kind of a shortcut's target.",
    },
    {
      name: "shortcut_target_location",
      type: "TEXT",
      linuxHidden: true,
      description: "Windows: the folder of a shortcut's target.",
    },
    {
      name: "shortcut_start_in",
      type: "TEXT",
      linuxHidden: true,
      description: "Windows: a shortcut's working directory.",
    },
    {
      name: "shortcut_run",
      type: "TEXT",
      linuxHidden: true,
      description: "Windows: the window mode a shortcut opens.",
    },
    { name: "shortcut_comment", type: "TEXT", linuxHidden: true, description: "Windows: a shortcut's comment." },
    { name: "bsd_flags", type: "TEXT", linuxHidden: true, description: "macOS: the chflags(2) flags, by name." },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Read the files as this process sees them (its mount namespace); 0 for the host's view.",
    },
    {
      name: "mount_namespace_id",
      type: "TEXT",
      hidden: true,
      linuxHidden: true,
      description: "The inode of the mount namespace read (with pid_with_namespace); empty for the host's.",
    },
  ],
  attributes: { utility: true },
  *generate(ctx) {
    const target = ctx.isUsed("symlink_target_path");
    for (const view of namespaceRoots(ctx)) {
      const root = view.root;
      for (const path of iterateConstrainedPaths(ctx, "path", GLOB.ALL, root)) {
        const row = fileRow(path, parentPath(path), view, target);
        if (row) yield row;
      }
      for (const dir of iterateConstrainedPaths(ctx, "directory", GLOB.FOLDERS, root)) {
        yield* directoryRows(ctx, dir, view, target);
      }
    }
  },
}));

/** The rows of every entry of `dir` (reported under `dir` as the query wrote it). */
function* directoryRows(ctx: QueryContext, dir: string, view: NamespaceRoot, target: boolean): Generator<Row> {
  if (!isDirectory(view.root + dir)) return;
  for (const name of readDirectory(view.root + dir)?.names ?? []) {
    if (ctx.cancelled) return;
    const row = fileRow(joinPath(dir, name), dir, view, target);
    if (row) yield row;
  }
}

/**
 * The `file` row for `path` (as the view sees it), reported under `directory`; undefined when the
 * path cannot be lstat'ed. The link's text is read only when `target` (the query reads it).
 */
function fileRow(path: string, directory: string, view: NamespaceRoot, target: boolean): Row | undefined {
  const real = view.root + path;
  const link = lstat(real);
  if (!link) return undefined;
  let info = link;
  let type = link.type;
  let symlinkTarget = "";
  if (link.type === "symlink") {
    if (target) symlinkTarget = readLink(real) ?? "";
    // The link's own details when its target cannot be reached, and then an unknown type.
    const resolved = stat(real);
    info = resolved ?? link;
    type = resolved?.type ?? "unknown";
  }
  // One literal for every row: rows of one shape stay cheap to build and to read for a walk of a
  // hundred thousand files. Columns of other platforms are left unset (the engine reads "").
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
    pid_with_namespace: view.pid,
    mount_namespace_id: view.mountNamespaceId ?? "",
  };
}
