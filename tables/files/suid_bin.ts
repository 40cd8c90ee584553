/**
 * `suid_bin`: setuid and setgid regular files under the usual binary directories (and /tmp),
 * found by a recursive walk that does not follow symlinked subdirectories, with owner names.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { joinPath } from "../../core/host/files.ts";
import { DT, lstat, readDirectory, stat } from "../../core/host/statx.ts";
import { readGroups, readPasswd } from "../../core/host/accounts.ts";
import type { Host } from "../../core/host/host.ts";
import { type NamespaceRoot, namespaceRoots } from "../../core/host/namespace_roots.ts";

export default registerTable(defineTable({
  name: "suid_bin",
  description: "Setuid and setgid executables in the standard binary directories and /tmp.",
  columns: [
    { name: "path", type: "TEXT", description: "The executable's path." },
    { name: "username", type: "TEXT", description: "The owner's user name (the uid when it has no name)." },
    { name: "groupname", type: "TEXT", description: "The owning group's name (the gid when it has no name)." },
    { name: "permissions", type: "TEXT", description: "S when setuid, G when setgid, SG when both." },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Search the directories as this process sees them (its mount namespace); 0 for the host's.",
    },
  ],
  attributes: { cacheable: true },
  generate(ctx) {
    const rows: Row[] = [];
    for (const view of namespaceRoots(ctx)) rows.push(...suidBinRows(view, () => ctx.cancelled));
    return rows;
  },
}));

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

/**
 * The `suid_bin` rows of one view (the host, or a process's namespace), paths as seen from inside
 * it. The walk ends early once `stop` returns true (an interrupted query).
 */
export function suidBinRows(view: NamespaceRoot, stop: () => boolean = () => false): Row[] {
  const root = view.root;
  const owners = ownerNames(view.host);
  const rows: Row[] = [];
  for (const dir of SUID_SEARCH_PATHS) {
    if (!stat(root + dir)) continue;
    for (const real of walk(root + dir)) {
      if (stop()) return rows;
      const info = stat(real);
      if (info?.type !== "regular") continue;
      const permissions = suidPermissions(info.mode);
      if (permissions === "") continue;
      rows.push({
        path: real.slice(root.length),
        username: owners.user(info.uid),
        groupname: owners.group(info.gid),
        permissions,
        pid_with_namespace: view.pid,
      });
    }
  }
  return rows;
}

/** `S` for setuid, `G` for setgid. */
export function suidPermissions(mode: number): string {
  return ((mode & 0o4000) ? "S" : "") + ((mode & 0o2000) ? "G" : "");
}

/** Every path below `dir` in pre-order; symlinked subdirectories are listed but not entered. */
function* walk(dir: string): Generator<string> {
  const listing = readDirectory(dir);
  if (!listing) return;
  for (let i = 0; i < listing.names.length; i++) {
    const path = joinPath(dir, listing.names[i]);
    yield path;
    const type = listing.types[i];
    if (type === DT.DIR || (type === DT.UNKNOWN && lstat(path)?.type === "directory")) yield* walk(path);
  }
}

/**
 * Owner names as osquery gives them: the name service (getpwuid/getgrgid) on the live host, else
 * the passwd and group files under the host's root (a fixture, or a process's `/proc/<pid>/root`);
 * the number itself when neither knows it. Each id is looked up once per scan.
 */
function ownerNames(host: Host): { user(uid: number): string; group(gid: number): string } {
  const users = new Map<number, string | undefined>();
  const groups = new Map<number, string | undefined>();
  const names = host.nameService;
  if (!names) {
    for (const u of readPasswd(host.root)) if (!users.has(u.uid)) users.set(u.uid, u.username);
    for (const g of readGroups(host.root)) if (!groups.has(g.gid)) groups.set(g.gid, g.groupname);
  }
  return {
    user(uid) {
      if (names && !users.has(uid)) users.set(uid, names.byUid(uid)?.username);
      return users.get(uid) ?? String(uid);
    },
    group(gid) {
      if (names && !groups.has(gid)) groups.set(gid, names.groupByGid(gid)?.groupname);
      return groups.get(gid) ?? String(gid);
    },
  };
}
