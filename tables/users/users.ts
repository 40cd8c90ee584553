/**
 * `users`: local accounts from /etc/passwd, read directly (never through NSS, so LDAP is never
 * queried), as osquery does on Linux; with `include_remote = 1`, every account the name service
 * knows (LDAP, SSSD, ...).
 *
 * @module
 */
import { defineTable, type Row, type TableSpec, withOsqueryTextDefaults } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { type PasswdEntry, readPasswd } from "../../core/host/accounts.ts";
import { hostEnv, namespaceTargets, signed32, type UsersEnv } from "./_lib.ts";

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
    // Linux accounts have no UUID; osquery leaves the column empty.
    uuid: "",
    pid_with_namespace: pid,
    include_remote: includeRemote,
  };
}

/** The `users` table reading passwd under `env`. */
export function usersTable(env: UsersEnv = hostEnv): TableSpec {
  return withOsqueryTextDefaults(defineTable({
    name: "users",
    description: "Local user accounts: ids, name, GECOS description, home directory and login shell.",
    columns: [
      { name: "uid", type: "BIGINT", index: true },
      { name: "gid", type: "BIGINT" },
      { name: "uid_signed", type: "BIGINT" },
      { name: "gid_signed", type: "BIGINT" },
      { name: "username", type: "TEXT", additional: true },
      { name: "description", type: "TEXT" },
      { name: "directory", type: "TEXT" },
      { name: "shell", type: "TEXT" },
      { name: "uuid", type: "TEXT", index: true, collate: "nocase" },
      { name: "type", type: "TEXT", linuxHidden: true },
      { name: "is_hidden", type: "INTEGER", linuxHidden: true },
      { name: "pid_with_namespace", type: "INTEGER", additional: true, hidden: true, linuxHidden: true },
      { name: "include_remote", type: "INTEGER", additional: true, hidden: true, linuxHidden: true },
    ],
    generate(ctx) {
      const usernames = new Set(ctx.equals("username"));
      const uids = new Set(ctx.integerEquals("uid"));
      const includeRemote = ctx.integerEquals("include_remote").includes(1) ? 1 : 0;
      const rows: Row[] = [];
      const pids = ctx.integerEquals("pid_with_namespace").filter((p) => p > 0);
      if (includeRemote && env.remote && pids.length === 0) {
        // As osquery: the name service (LDAP, SSSD, ...) answers instead of /etc/passwd.
        const remote = env.remote;
        const found = uids.size > 0
          ? [...uids].map((uid) => remote.byUid(uid))
          : usernames.size > 0
          ? [...usernames].map((name) => remote.byName(name))
          : remote.all();
        for (const u of found) if (u) rows.push(userRow(u, 0, 1));
        return rows;
      }
      for (const target of namespaceTargets(ctx, env)) {
        for (const u of readPasswd(target.root)) {
          // As osquery: a username constraint wins over a uid constraint.
          if (usernames.size > 0 ? !usernames.has(u.username) : uids.size > 0 && !uids.has(u.uid)) continue;
          rows.push(userRow(u, target.pid, includeRemote));
        }
      }
      return rows;
    },
  }));
}

export default registerTable(usersTable());
