/**
 * `groups`: groups as the name service enumerates them (getgrent: /etc/group, plus LDAP/SSSD
 * where configured), as osquery does; a gid listed twice is reported once (its first entry).
 * Fixture trees without a name service read their /etc/group.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec, withOsqueryTextDefaults } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readGroups } from "../../core/host/accounts.ts";
import { hostEnv, namespaceTargets, signed32, type UsersEnv } from "./_lib.ts";

/** The `groups` table reading /etc/group under `env`. */
export function groupsTable(env: UsersEnv = hostEnv): TableSpec {
  return withOsqueryTextDefaults(defineTable({
    name: "groups",
    description: "Local groups: gid (also as signed 32-bit) and name.",
    columns: [
      { name: "gid", type: "BIGINT", index: true },
      { name: "gid_signed", type: "BIGINT" },
      { name: "groupname", type: "TEXT" },
      { name: "group_sid", type: "TEXT", index: true, linuxHidden: true },
      { name: "comment", type: "TEXT", linuxHidden: true },
      { name: "is_hidden", type: "INTEGER", linuxHidden: true },
      { name: "pid_with_namespace", type: "INTEGER", additional: true, hidden: true, linuxHidden: true },
    ],
    generate(ctx) {
      const wanted = new Set(ctx.integerEquals("gid"));
      const rows: Row[] = [];
      const remote = env.remote;
      if (remote && ctx.integerEquals("pid_with_namespace").filter((p) => p > 0).length === 0) {
        if (wanted.size > 0) {
          // As getgrgid per constrained gid.
          for (const gid of wanted) {
            const g = remote.groupByGid(gid);
            if (g) {
              rows.push({ gid: g.gid, gid_signed: signed32(g.gid), groupname: g.groupname, pid_with_namespace: 0 });
            }
          }
          return rows;
        }
      }
      for (const target of namespaceTargets(ctx, env)) {
        const seen = new Set<number>();
        const groups = remote && target.pid === 0 ? remote.groups() : readGroups(target.root);
        for (const g of groups) {
          if (seen.has(g.gid)) continue;
          seen.add(g.gid);
          if (wanted.size > 0 && !wanted.has(g.gid)) continue;
          rows.push({
            gid: g.gid,
            gid_signed: signed32(g.gid),
            groupname: g.groupname,
            pid_with_namespace: target.pid,
          });
        }
      }
      return rows;
    },
  }));
}

export default registerTable(groupsTable());
