/**
 * `suid_bin`: setuid and setgid regular files under the usual binary directories (and /tmp),
 * found by a recursive walk that does not follow symlinked subdirectories, with owner names.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec, withOsqueryTextDefaults } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { joinPath } from "../../core/host/files.ts";
import { listEntries, lstat, stat } from "../../core/host/statx.ts";
import { namespaceRoots } from "./_lib.ts";
import { readGroups, readPasswd } from "../../core/host/accounts.ts";
import { nssGroupByGid, nssUserByUid } from "../../core/host/nss.ts";

/** The directories osquery searches, in its order. */
export const SUID_SEARCH_PATHS = [
  "/bin",
  "/sbin",
  "/usr/bin",
  "/usr/sbin",
  "/usr/local/bin",
  "/usr/local/sbin",
  "/tmp",
];

/** Every path below `dir` in pre-order; symlinked subdirectories are listed but not entered. */
function* walk(dir: string): Generator<string> {
  for (const entry of listEntries(dir)) {
    const path = joinPath(dir, entry.name);
    yield path;
    const isDir = entry.type === "directory" || (entry.type === undefined && lstat(path)?.type === "directory");
    if (isDir) yield* walk(path);
  }
}

/** `S` for setuid, `G` for setgid. */
export function suidPermissions(mode: number): string {
  return ((mode & 0o4000) ? "S" : "") + ((mode & 0o2000) ? "G" : "");
}

/**
 * The `suid_bin` rows for `dirs`. Owners are named by the name service (getpwuid/getgrgid, as
 * osquery) on the host, or from passwd and group under `root` (a fixture tree or a process's
 * `/proc/<pid>/root`, whose files are read there and reported as seen from inside). The walk
 * ends early once `stop` returns true (an interrupted query).
 */
export function suidBinRows(
  dirs: string[] = SUID_SEARCH_PATHS,
  root = "",
  pid = 0,
  stop: () => boolean = () => false,
): Row[] {
  const users = new Map<number, string | undefined>();
  const groups = new Map<number, string | undefined>();
  if (root !== "") {
    for (const u of readPasswd(root)) if (!users.has(u.uid)) users.set(u.uid, u.username);
    for (const g of readGroups(root)) if (!groups.has(g.gid)) groups.set(g.gid, g.groupname);
  }
  const userName = (uid: number): string => {
    if (!users.has(uid) && root === "") users.set(uid, nssUserByUid(uid)?.username);
    return users.get(uid) ?? String(uid);
  };
  const groupName = (gid: number): string => {
    if (!groups.has(gid) && root === "") groups.set(gid, nssGroupByGid(gid)?.groupname);
    return groups.get(gid) ?? String(gid);
  };
  const rows: Row[] = [];
  for (const dir of dirs) {
    if (!stat(root + dir)) continue;
    for (const real of walk(root + dir)) {
      if (stop()) return rows;
      const path = real.slice(root.length);
      const info = stat(real);
      if (info?.type !== "regular") continue;
      const permissions = suidPermissions(info.mode);
      if (permissions === "") continue;
      const { uid, gid } = info;
      rows.push({
        path,
        username: userName(uid),
        groupname: groupName(gid),
        permissions,
        pid_with_namespace: pid,
      });
    }
  }
  return rows;
}

/** The `suid_bin` table searching `dirs`. */
export function suidBinTable(dirs: string[] = SUID_SEARCH_PATHS, root = ""): TableSpec {
  return withOsqueryTextDefaults(defineTable({
    name: "suid_bin",
    description: "Setuid and setgid executables in the standard binary directories and /tmp.",
    columns: [
      { name: "path", type: "TEXT" },
      { name: "username", type: "TEXT" },
      { name: "groupname", type: "TEXT" },
      { name: "permissions", type: "TEXT" },
      { name: "pid_with_namespace", type: "INTEGER", additional: true, hidden: true, linuxHidden: true },
    ],
    attributes: { cacheable: true },
    generate(ctx) {
      const rows: Row[] = [];
      for (const ns of namespaceRoots(ctx)) {
        rows.push(...suidBinRows(dirs, ns.pid ? root + ns.root : root, ns.pid, () => ctx.cancelled));
      }
      return rows;
    },
  }));
}

export default registerTable(suidBinTable());
