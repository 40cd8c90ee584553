/**
 * `user_groups`: each user's group memberships as getgrouplist(3) reports them: the primary gid
 * first, then every group that lists the user, without duplicates. Users and groups come from the
 * name service, as osquery's do; fixture trees without one read /etc/passwd and /etc/group.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { type GroupEntry, type PasswdEntry, readGroups } from "../../core/host/accounts.ts";
import { hostPasswd } from "../../core/host/per_user.ts";

export default registerTable(defineTable({
  name: "user_groups",
  description: "Which groups each local user belongs to: the primary group and supplementary memberships.",
  columns: [
    { name: "uid", type: "BIGINT", index: true, optimized: true, description: "The user's numeric id." },
    { name: "gid", type: "BIGINT", index: true, description: "The id of a group the user belongs to." },
  ],
  generate(ctx) {
    const host = ctx.host;
    const nameService = host.nameService;
    const users = nameService ? nameService.all() : hostPasswd(host);
    let groups: GroupEntry[] | undefined;
    const membership = (u: PasswdEntry): number[] =>
      nameService?.groupList(u.username, u.gid) ?? groupList(u, groups ??= readGroups(host.root));
    // One user per uid: the first passwd entry, as getpwuid would return.
    const first = new Map<number, PasswdEntry>();
    for (const u of users) if (!first.has(u.uid)) first.set(u.uid, u);
    const uids = ctx.integerEquals("uid");
    const selected = uids.length > 0
      ? uids.map((uid) => nameService?.byUid(uid) ?? first.get(uid)).filter((u): u is PasswdEntry => u !== undefined)
      : [...first.values()];
    const rows: Row[] = [];
    for (const u of selected) {
      for (const gid of membership(u)) rows.push({ uid: u.uid, gid });
    }
    return rows;
  },
}));

/** The gids `user` belongs to, in getgrouplist order. */
export function groupList(user: PasswdEntry, groups: GroupEntry[]): number[] {
  const out = [user.gid];
  for (const g of groups) {
    if (g.members.includes(user.username) && !out.includes(g.gid)) out.push(g.gid);
  }
  return out;
}
