/**
 * `groups`: groups as the name service enumerates them (getgrent: /etc/group, plus LDAP/SSSD
 * where configured), as osquery does; a gid listed twice is reported once (its first entry).
 * Fixture trees and other mount namespaces, which have no name service of ours, read their
 * /etc/group.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { type GroupEntry, readGroups } from "../../core/host/accounts.ts";
import { namespaceRoots } from "../../core/host/namespace_roots.ts";
import { signed32 } from "./_lib.ts";

export default registerTable(defineTable({
  name: "groups",
  description: "Local groups: gid (also as signed 32-bit) and name.",
  columns: [
    { name: "gid", type: "BIGINT", index: true, description: "The group's numeric id (unsigned)." },
    { name: "gid_signed", type: "BIGINT", description: "The group id read as a signed 32-bit number." },
    { name: "groupname", type: "TEXT", description: "The group's name." },
    { name: "group_sid", type: "TEXT", index: true, linuxHidden: true, description: "Windows: the group's SID." },
    { name: "comment", type: "TEXT", linuxHidden: true, description: "Windows: the group's remarks." },
    { name: "is_hidden", type: "INTEGER", linuxHidden: true, description: "macOS: the group is hidden." },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Read the groups of this process's mount namespace (0: the host's).",
    },
  ],
  generate(ctx) {
    const wanted = new Set(ctx.integerEquals("gid"));
    const nameService = ctx.host.nameService;
    if (nameService && wanted.size > 0 && !ctx.hasConstraint("pid_with_namespace")) {
      // As getgrgid per constrained gid.
      const rows: Row[] = [];
      for (const gid of wanted) {
        const g = nameService.groupByGid(gid);
        if (g) rows.push(groupRow(g, 0));
      }
      return rows;
    }
    const rows: Row[] = [];
    for (const view of namespaceRoots(ctx)) {
      const seen = new Set<number>();
      const groups = view.pid === 0 && nameService ? nameService.groups() : readGroups(view.root);
      for (const g of groups) {
        if (seen.has(g.gid)) continue;
        seen.add(g.gid);
        if (wanted.size === 0 || wanted.has(g.gid)) rows.push(groupRow(g, view.pid));
      }
    }
    return rows;
  },
}));

/** The `groups` row of one group entry. */
function groupRow(g: GroupEntry, pid: number): Row {
  return { gid: g.gid, gid_signed: signed32(g.gid), groupname: g.groupname, pid_with_namespace: pid };
}
