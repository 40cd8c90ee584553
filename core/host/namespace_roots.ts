/**
 * osquery's hidden `pid_with_namespace` column, once for every area: which filesystem views a
 * table reads. Without a constraint on the column, the host's (pid 0). With one, osquery runs the
 * table inside each named process's mount namespace (setns on `/proc/<pid>/ns/mnt`); we read the
 * same files through `/proc/<pid>/root` without leaving ours.
 *
 * The rules are osquery's (`hasNamespaceConstraint`, `LinuxTableContainerIPC::handleJob`):
 * - any constraint on the column (whatever its operator) selects the namespace path;
 * - only its `=`/`IN` values count, distinct and in ascending order (a `std::set<int>`), so a
 *   query with only `>`/`<` on the column reads nothing;
 * - a pid whose `/proc/<pid>/ns/mnt` cannot be read, or whose link has no `[id]`, is skipped (pid
 *   0 and negative pids included: there is no such process);
 * - rows then carry that pid in `pid_with_namespace` and the namespace inode in
 *   `mount_namespace_id`.
 *
 * Absolute symlinks inside a process's root resolve against our root, not the process's: osquery
 * enters the namespace instead, so a link such as /etc/localtime -> /usr/share/... may differ.
 *
 * @example The host, unless the query names processes
 * ```ts
 * import { QueryContext } from "../table.ts";
 * import { namespaceRoots } from "./namespace_roots.ts";
 *
 * const [view] = namespaceRoots(new QueryContext("deb_packages"));
 * if (view.pid !== 0 || view.root !== "" || view.mountNamespaceId !== undefined) throw new Error("not the host");
 * ```
 *
 * @module
 */
import type { QueryContext } from "../table.ts";
import { fixtureHost, type Host } from "./host.ts";
import { readLink } from "./files.ts";

/** One filesystem view a table reads: the host's (pid 0) or a process's mount namespace. */
export interface NamespaceRoot {
  /** The `pid_with_namespace` value the rows carry (0 for the host). */
  pid: number;
  /** The mount namespace inode (`mount_namespace_id`), undefined for the host. */
  mountNamespaceId?: string;
  /** Where to read: the query's host, or the process's root under it. */
  host: Host;
  /** The prefix of every path read in this view (`host.root`). */
  root: string;
}

/** The inode in a `mnt:[4026531841]` link, as osquery extracts it; undefined when there is none. */
export function mountNamespaceId(link: string): string | undefined {
  const start = link.indexOf("[");
  if (start < 0) return undefined;
  const end = link.indexOf("]", start);
  if (end < 0 || end === start + 1) return undefined;
  return link.slice(start + 1, end);
}

/** The views a table with `pid_with_namespace` reads for `ctx` (see the module's rules). */
export function namespaceRoots(ctx: QueryContext): NamespaceRoot[] {
  const host = ctx.host;
  if (!ctx.hasConstraint("pid_with_namespace")) return [{ pid: 0, host, root: host.root }];
  const pids = [...new Set(ctx.integerEquals("pid_with_namespace"))].sort((a, b) => a - b);
  const out: NamespaceRoot[] = [];
  for (const pid of pids) {
    const link = readLink(host.path(`/proc/${pid}/ns/mnt`));
    const id = link === undefined ? undefined : mountNamespaceId(link);
    if (id === undefined) continue;
    // The process sees its own files as the same user osq runs as; its name service is not ours.
    const inside = fixtureHost(host.path(`/proc/${pid}/root`), { uid: host.currentUid() });
    out.push({ pid, mountNamespaceId: id, host: inside, root: inside.root });
  }
  return out;
}
