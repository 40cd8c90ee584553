/**
 * `users`: local accounts from /etc/passwd, read directly (never through NSS, so LDAP is never
 * queried), as osquery does on Linux; with `include_remote = 1`, every account the name service
 * knows (LDAP, SSSD, ...).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { PasswdEntry } from "../../core/host/accounts.ts";
import { namespaceRoots } from "../../core/host/namespace_roots.ts";
import { hostPasswd } from "../../core/host/per_user.ts";
import { signed32 } from "./_lib.ts";

export default registerTable(defineTable({
  name: "users",
  description: "Local user accounts: ids, name, GECOS description, home directory and login shell.",
  columns: [
    { name: "uid", type: "BIGINT", index: true, description: "The user's numeric id." },
    { name: "gid", type: "BIGINT", description: "The id of the user's primary group (unsigned)." },
    { name: "uid_signed", type: "BIGINT", description: "The user id read as a signed 32-bit number." },
    { name: "gid_signed", type: "BIGINT", description: "The primary group id read as a signed 32-bit number." },
    { name: "username", type: "TEXT", additional: true, description: "The login name." },
    { name: "description", type: "TEXT", description: "The GECOS field: full name and other free text." },
    { name: "directory", type: "TEXT", description: "The home directory." },
    { name: "shell", type: "TEXT", description: "The login shell." },
    {
      name: "uuid",
      type: "TEXT",
      index: true,
      collate: "nocase",
      description: "The account's UUID (macOS) or SID (Windows); empty on Linux.",
    },
    { name: "type", type: "TEXT", linuxHidden: true, description: "Windows: roaming, local or system profile." },
    { name: "is_hidden", type: "INTEGER", linuxHidden: true, description: "macOS: the account is hidden." },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Read the accounts of this process's mount namespace (0: the host's).",
    },
    {
      name: "include_remote",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "1 to ask the name service (LDAP, SSSD...) instead of /etc/passwd; mind whole directories.",
    },
  ],
  generate(ctx) {
    const usernames = new Set(ctx.equals("username"));
    const uids = new Set(ctx.integerEquals("uid"));
    const includeRemote = ctx.integerEquals("include_remote").includes(1) ? 1 : 0;
    const nameService = ctx.host.nameService;
    const rows: Row[] = [];
    if (includeRemote && nameService && !ctx.hasConstraint("pid_with_namespace")) {
      // As osquery: the name service (LDAP, SSSD, ...) answers instead of /etc/passwd.
      const found = uids.size > 0
        ? [...uids].map((uid) => nameService.byUid(uid))
        : usernames.size > 0
        ? [...usernames].map((name) => nameService.byName(name))
        : nameService.all();
      for (const u of found) if (u) rows.push(userRow(u, 0, 1));
      return rows;
    }
    for (const view of namespaceRoots(ctx)) {
      for (const u of hostPasswd(view.host)) {
        // As osquery: a username constraint wins over a uid constraint.
        if (usernames.size > 0 ? !usernames.has(u.username) : uids.size > 0 && !uids.has(u.uid)) continue;
        rows.push(userRow(u, view.pid, includeRemote));
      }
    }
    return rows;
  },
}));

/** A `users` row for one passwd entry. */
export function userRow(u: PasswdEntry, pid = 0, includeRemote = 0): Row {
  return {
    uid: u.uid,
    gid: u.gid,
    uid_signed: signed32(u.uid),
    gid_signed: signed32(u.gid),
    username: u.username,
    description: u.gecos,
    directory: u.directory,
    shell: u.shell,
    pid_with_namespace: pid,
    include_remote: includeRemote,
  };
}
