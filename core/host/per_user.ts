/**
 * Which users a per-user table reads (osquery's `usersFromContext`), once for every area: the
 * users tables (authorized_keys, shell_history, ...), the software tables (browser extensions,
 * python_packages, ...) and the file tables.
 *
 * - With `uid =` / `uid IN (...)` / a join on uid (`users CROSS JOIN t USING (uid)`): for each uid
 *   in the query's order, the /etc/passwd entries with that uid; a uid the local file lacks is
 *   asked of the name service (getpwuid: LDAP/SSSD users joined from `users WHERE include_remote
 *   = 1`), as osquery retries with `include_remote`.
 * - Without: the first /etc/passwd entry of the uid osq runs as (osquery warns that such tables
 *   should be joined with `users`).
 *
 * Entries without a home directory, NIS compat lines (`+`, `+name`, `-name`, `+@netgroup`) among
 * them, have no files to read and are left out; two entries sharing uid and home would only repeat
 * the same rows, so each (uid, home) is read once.
 *
 * @example The user osq runs as, on a fixture tree
 * ```ts
 * import { QueryContext } from "../table.ts";
 * import { fixtureHost } from "./host.ts";
 * import { usersFromContext } from "./per_user.ts";
 *
 * const ctx = new QueryContext("shell_history");
 * ctx.host = fixtureHost("/nonexistent-fixture", { uid: 1000 });
 * if (usersFromContext(ctx).length !== 0) throw new Error("no passwd, no users");
 * ```
 *
 * @module
 */
import { OP, type QueryContext } from "../table.ts";
import { type PasswdEntry, readPasswd } from "./accounts.ts";
import type { Host } from "./host.ts";
import { joinPath, readText } from "./files.ts";
import { type NamespaceRoot, namespaceRoots } from "./namespace_roots.ts";

/** The /etc/passwd entries of `host`, as glibc's files backend reads them (empty when missing). */
export function hostPasswd(host: Host): PasswdEntry[] {
  return readPasswd(host.root);
}

/** True for an entry with files to read: a home directory, and not a NIS compat line. */
function hasHome(user: PasswdEntry): boolean {
  return user.directory !== "" && !user.username.startsWith("+") && !user.username.startsWith("-");
}

/** The users a per-user table reads for `ctx`, from `host`'s passwd (default the query's host). */
export function usersFromContext(ctx: QueryContext, host: Host = ctx.host): PasswdEntry[] {
  const all = hostPasswd(host).filter(hasHome);
  if (!ctx.hasConstraint("uid", OP.EQUALS)) {
    const me = host.currentUid();
    const first = all.find((u) => u.uid === me);
    return first ? [first] : [];
  }
  const out: PasswdEntry[] = [];
  const seen = new Set<string>();
  for (const uid of ctx.integerEquals("uid")) {
    const local = all.filter((u) => u.uid === uid);
    const remote = local.length > 0 ? undefined : host.nameService?.byUid(uid);
    for (const user of remote ? [remote] : local) {
      const key = `${user.uid}\0${user.directory}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(user);
    }
  }
  return out;
}

/** A user a per-user table reads and the filesystem view (host or mount namespace) it is read in. */
export interface UserInNamespace {
  user: PasswdEntry;
  view: NamespaceRoot;
}

/**
 * The users of every view of `pid_with_namespace` (see ./namespace_roots.ts), in order: inside a
 * process's namespace the users are that namespace's own (its /etc/passwd), as osquery's
 * `usersFromContext` runs there.
 */
export function* usersInNamespaces(ctx: QueryContext): Generator<UserInNamespace> {
  for (const view of namespaceRoots(ctx)) {
    for (const user of usersFromContext(ctx, view.host)) yield { user, view };
  }
}

/** One read user's file: the path as reported (under the home directory) and its text. */
export interface UserFile {
  user: PasswdEntry;
  path: string;
  text: string;
}

/** Each read user's file at `relative` (to the home directory) that can be read, in user order. */
export function* readUserFiles(ctx: QueryContext, relative: string, host: Host = ctx.host): Generator<UserFile> {
  for (const user of usersFromContext(ctx, host)) {
    const path = joinPath(user.directory, relative);
    const text = readText(host.path(path));
    if (text !== undefined) yield { user, path, text };
  }
}
