/**
 * `groups`: local groups from /etc/group; a gid listed twice is reported once (its first entry).
 *
 * @module
 */
import { defineTable, type Row, type TableSpec } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { hostEnv, namespaceTargets, readGroups, signed32, type UsersEnv } from "./_lib.ts";

/** The `groups` table reading /etc/group under `env`. */
export function groupsTable(env: UsersEnv = hostEnv): TableSpec {
  return defineTable({
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
      for (const target of namespaceTargets(ctx, env)) {
        const seen = new Set<number>();
        for (const g of readGroups(target.root)) {
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
  });
}

export default registerTable(groupsTable());
