/**
 * What the users tables share: where they read (a root and the name service), osquery's "which
 * users to scan" rule for per-user tables, and utmp/wtmp record decoding. The account databases,
 * the name service and file reading are the host readers in `core/host/`.
 *
 * Parsers never throw on bad input: a malformed record is skipped.
 *
 * @module
 */
import { joinPath, readText, underRoot } from "../../core/host/files.ts";
import { type GroupEntry, type PasswdEntry, readPasswd } from "../../core/host/accounts.ts";
import { nssGroupByGid, nssGroupList, nssGroups, nssUserByName, nssUserByUid, nssUsers } from "../../core/host/nss.ts";
import { OP, type QueryContext } from "../../core/table.ts";

/** Accounts and groups from the name service (files, LDAP, SSSD...), as getpwent/getgrent see them. */
export interface RemoteAccounts {
  all(): PasswdEntry[];
  byUid(uid: number): PasswdEntry | undefined;
  byName(name: string): PasswdEntry | undefined;
  groups(): GroupEntry[];
  groupByGid(gid: number): GroupEntry | undefined;
  /** getgrouplist(3) for a user; undefined when the call fails. */
  groupList(name: string, gid: number): number[] | undefined;
}

/** Where the users tables read from: a filesystem root and the uid osq runs as. */
export interface UsersEnv {
  /** Prefix for every absolute path read ("" = the host's own root). */
  root: string;
  /** The uid osq runs as (the user per-user tables report when the query names none). */
  currentUid(): number;
  /**
   * The name service: for `include_remote = 1`, uids missing from the local files, and the group
   * tables. Without it (fixture trees), the files under `root` answer instead.
   */
  remote?: RemoteAccounts;
}

/** The live host. */
export const hostEnv: UsersEnv = {
  root: "",
  currentUid: () => Deno.uid() ?? 0,
  remote: {
    all: nssUsers,
    byUid: nssUserByUid,
    byName: nssUserByName,
    groups: nssGroups,
    groupByGid: nssGroupByGid,
    groupList: nssGroupList,
  },
};

/** The signed 32-bit reading of an id (osquery's `uid_signed`, `gid_signed`). */
export function signed32(id: number): number {
  return id | 0;
}

/**
 * The users a per-user table scans, as osquery's `usersFromContext`: with `uid =` / `uid IN` /
 * a join on uid, the passwd entries with one of those uids (once per home directory), asking the
 * name service for a uid the local files lack (so LDAP/SSSD users joined from `users` work);
 * without, only the user osq runs as
 * (osquery warns that such tables should be joined with `users`).
 */
export function usersFromContext(ctx: QueryContext, env: UsersEnv): PasswdEntry[] {
  const all = readPasswd(env.root);
  if (ctx.hasConstraint("uid", OP.EQUALS)) {
    // osquery scans every passwd entry of the uid; two entries sharing uid and home would only
    // repeat the same rows, so each (uid, home) is scanned once.
    const out: PasswdEntry[] = [];
    const seen = new Set<string>();
    for (const uid of ctx.integerEquals("uid")) {
      let found = false;
      for (const u of all) {
        // NIS compat lines (uid 0, no home) have no files to read.
        if (u.uid !== uid || u.directory === "") continue;
        found = true;
        const key = `${u.uid}\0${u.directory}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(u);
      }
      const remote = found ? undefined : env.remote?.byUid(uid);
      if (remote) out.push(remote);
    }
    return out;
  }
  const me = env.currentUid();
  return all.filter((u) => u.uid === me).slice(0, 1);
}

/** One place a table reads from: the host (pid 0) or a process's mount namespace. */
export interface NamespaceTarget {
  /** The `pid_with_namespace` value the rows carry. */
  pid: number;
  /** The root to read under. */
  root: string;
}

/**
 * Where to read for a table with osquery's hidden `pid_with_namespace` column: the env's root,
 * or for each pid the query names, that process's root (`/proc/<pid>/root`) — the files a process
 * in that mount namespace sees.
 */
export function namespaceTargets(ctx: QueryContext, env: UsersEnv): NamespaceTarget[] {
  const pids = ctx.integerEquals("pid_with_namespace").filter((p) => p > 0);
  if (pids.length === 0) return [{ pid: 0, root: env.root }];
  return pids.map((pid) => ({ pid, root: underRoot(env.root, `/proc/${pid}/root`) }));
}

/** A scanned user and the namespace target its files are read under. */
export interface UserInTarget {
  user: PasswdEntry;
  target: NamespaceTarget;
}

/**
 * Every scanned user of every namespace target, in order: the walk of a per-user table with
 * osquery's hidden `pid_with_namespace` column (users are looked up in each target's own passwd).
 */
export function* usersInTargets(ctx: QueryContext, env: UsersEnv): Generator<UserInTarget> {
  for (const target of namespaceTargets(ctx, env)) {
    for (const user of usersFromContext(ctx, { ...env, root: target.root })) yield { user, target };
  }
}

/** One scanned user's readable file: the path as reported (in the home directory) and its text. */
export interface UserFile {
  user: PasswdEntry;
  path: string;
  text: string;
}

/** Each scanned user's file at `relative` (to the home directory) that can be read, in user order. */
export function* readUserFiles(ctx: QueryContext, env: UsersEnv, relative: string): Generator<UserFile> {
  for (const user of usersFromContext(ctx, env)) {
    const path = joinPath(user.directory, relative);
    const text = readText(underRoot(env.root, path));
    if (text !== undefined) yield { user, path, text };
  }
}

const utf8 = new TextDecoder("utf-8");

/** A utmp/wtmp record (glibc's 384-byte `struct utmp` on 64-bit Linux). */
export interface UtmpRecord {
  type: number;
  pid: number;
  line: string;
  id: string;
  user: string;
  host: string;
  session: number;
  /** Seconds since the epoch. */
  time: number;
  usec: number;
}

/** Size of one record. */
export const UTMP_RECORD_SIZE = 384;

/** utmp entry types. */
export const UT = {
  EMPTY: 0,
  RUN_LVL: 1,
  BOOT_TIME: 2,
  NEW_TIME: 3,
  OLD_TIME: 4,
  INIT_PROCESS: 5,
  LOGIN_PROCESS: 6,
  USER_PROCESS: 7,
  DEAD_PROCESS: 8,
  ACCOUNTING: 9,
} as const;

function fixedString(bytes: Uint8Array, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return utf8.decode(end < 0 ? field : field.subarray(0, end));
}

/**
 * Decodes utmp/wtmp bytes into records. A trailing partial record (a file caught mid-write or
 * truncated) is ignored, as glibc's reader does.
 */
export function parseUtmp(bytes: Uint8Array): UtmpRecord[] {
  const out: UtmpRecord[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let off = 0; off + UTMP_RECORD_SIZE <= bytes.length; off += UTMP_RECORD_SIZE) {
    out.push({
      type: view.getInt16(off, true),
      pid: view.getInt32(off + 4, true),
      line: fixedString(bytes, off + 8, 32),
      id: fixedString(bytes, off + 40, 4),
      user: fixedString(bytes, off + 44, 32),
      host: fixedString(bytes, off + 76, 256),
      session: view.getInt32(off + 336, true),
      time: view.getInt32(off + 340, true),
      usec: view.getInt32(off + 344, true),
    });
  }
  return out;
}

/** Encodes records in the same layout (for fixtures and tests). */
export function encodeUtmp(records: Partial<UtmpRecord>[]): Uint8Array {
  const out = new Uint8Array(records.length * UTMP_RECORD_SIZE);
  const view = new DataView(out.buffer);
  const put = (off: number, length: number, text = "") =>
    out.set(new TextEncoder().encode(text).subarray(0, length), off);
  records.forEach((r, i) => {
    const off = i * UTMP_RECORD_SIZE;
    view.setInt16(off, r.type ?? 0, true);
    view.setInt32(off + 4, r.pid ?? 0, true);
    put(off + 8, 32, r.line);
    put(off + 40, 4, r.id);
    put(off + 44, 32, r.user);
    put(off + 76, 256, r.host);
    view.setInt32(off + 336, r.session ?? 0, true);
    view.setInt32(off + 340, r.time ?? 0, true);
    view.setInt32(off + 344, r.usec ?? 0, true);
  });
  return out;
}

/** The utmp records of a file (empty when missing or unreadable). */
export function readUtmp(path: string): UtmpRecord[] {
  try {
    return parseUtmp(Deno.readFileSync(path));
  } catch {
    return [];
  }
}
