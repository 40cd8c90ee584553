/**
 * What the users tables share: the passwd, group and shadow parsers (each reads under a root so
 * fixture trees and other mount namespaces work alike), osquery's "which users to scan" rule for
 * per-user tables, utmp/wtmp record decoding, and small file helpers with osquery's read limit.
 *
 * Parsers never throw on bad input: a malformed line is skipped, as glibc's files backend does.
 *
 * @module
 */
import { exists } from "../../core/fs.ts";
import { defineFlag, flags } from "../../core/flags.ts";
import { OP, type QueryContext, type Row, type TableSpec } from "../../core/table.ts";
import { nssGroupByGid, nssGroupList, nssGroups, nssUserByName, nssUserByUid, nssUsers } from "./_nss.ts";

defineFlag({
  name: "read_max",
  type: "uint64",
  default: 50 * 1024 * 1024,
  description: "Largest file, in bytes, a table will read",
});

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

/** `path` (absolute, as the host sees it) under `root`. */
export function underRoot(root: string, path: string): string {
  if (root === "") return path;
  return root.replace(/\/+$/, "") + (path.startsWith("/") ? path : `/${path}`);
}

/** Joins path parts with single slashes, like boost's `operator/`. */
export function joinPath(dir: string, name: string): string {
  if (dir === "") return name;
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/** The largest file the tables read (`--read_max`). */
export function readMax(): number {
  return flags.number("read_max");
}

/** A file's bytes, or undefined when it is missing, unreadable, not a file or over `--read_max`. */
export function readBytes(path: string): Uint8Array | undefined {
  try {
    const info = Deno.statSync(path);
    if (info.isDirectory) return undefined;
    if (info.size > readMax()) return undefined;
    const bytes = Deno.readFileSync(path);
    return bytes.length > readMax() ? undefined : bytes;
  } catch {
    return undefined;
  }
}

const utf8 = new TextDecoder("utf-8");

/** A file's text (invalid UTF-8 replaced), or undefined as {@linkcode readBytes}. */
export function readText(path: string): string | undefined {
  const bytes = readBytes(path);
  return bytes === undefined ? undefined : utf8.decode(bytes);
}

/** True when `path` exists (following symlinks). */
export { exists };

/**
 * The non-directory entries of `dir` as full paths, sorted, without dot-files: what osquery's
 * `listFilesInDirectory` (a `dir/*` glob) yields. Empty when `dir` is missing or not a directory.
 */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  try {
    for (const entry of Deno.readDirSync(dir)) {
      if (entry.name.startsWith(".")) continue;
      const path = joinPath(dir, entry.name);
      let isDir = entry.isDirectory;
      if (entry.isSymlink) {
        try {
          isDir = Deno.statSync(path).isDirectory;
        } catch {
          isDir = false;
        }
      }
      if (!isDir) out.push(path);
    }
  } catch {
    return [];
  }
  return out.sort(byteOrder);
}

/** Sorts like C's strcmp on UTF-8 (glob's order in the C locale). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** osquery's `split(text, delims)`: split on any delimiter, drop empty pieces, trim each. */
export function splitTrim(text: string, delims: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || delims.includes(text[i])) {
      if (i > start) out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  return out;
}

/** Lines of a colon-separated database, without blank lines, comments and NIS `+`/`-` entries. */
function databaseLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    const lead = line.trimStart();
    if (lead === "" || lead.startsWith("#") || lead.startsWith("+") || lead.startsWith("-")) continue;
    out.push(line);
  }
  return out;
}

/** A decimal id field as glibc reads it (digits only, wrapped to 32 bits); undefined when malformed. */
function parseId(field: string): number | undefined {
  if (!/^\d{1,20}$/.test(field)) return undefined;
  return Number(BigInt(field) & 0xffffffffn);
}

/** The signed 32-bit reading of an id (osquery's `uid_signed`, `gid_signed`). */
export function signed32(id: number): number {
  return id | 0;
}

/** One /etc/passwd entry. */
export interface PasswdEntry {
  username: string;
  password: string;
  uid: number;
  gid: number;
  /** The GECOS field (osquery's `description`). */
  gecos: string;
  /** The home directory. */
  directory: string;
  shell: string;
}

/**
 * Parses passwd text as glibc's fgetpwent_r (what osquery reads /etc/passwd with): leading blanks
 * are skipped, blank and `#` lines ignored, fields after the fourth may be missing (empty), the
 * shell keeps any further colons and a trailing CR. A uid or gid must be decimal and fit 32 bits
 * (an optional sign, leading blanks; `-N` and 99999999999 make the line malformed), and a
 * malformed line is skipped. NIS compat lines (`+`, `+name`, `-name`, `+@netgroup`, ...) are
 * entries as glibc returns them: empty ids count as 0, a bare `+name` has uid 0 and empty fields.
 */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const raw of text.split("\n")) {
    const entry = passwdLine(raw);
    if (entry) out.push(entry);
  }
  return out;
}

/** One passwd line, as glibc's files parser reads it; undefined when it skips the line. */
function passwdLine(raw: string): PasswdEntry | undefined {
  const nul = raw.indexOf("\0");
  const line = (nul < 0 ? raw : raw.slice(0, nul)).replace(/^[ \t\n\v\f\r]+/, "");
  if (line === "" || line.startsWith("#")) return undefined;
  const f = line.split(":");
  const username = f[0];
  const nis = username.startsWith("+") || username.startsWith("-");
  if (nis && f.length <= 2 && (f[1] ?? "") === "") {
    // `+`, `+name`, `-@netgroup` alone: glibc's nss_compat form, every other field unset.
    return { username, password: "", uid: 0, gid: 0, gecos: "", directory: "", shell: "" };
  }
  if (f.length < 4) return undefined;
  const uid = nis ? nisId(f[2], f.length > 3) : glibcId(f[2]);
  const gid = nis ? nisId(f[3], f.length > 4) : glibcId(f[3]);
  if (uid === undefined || gid === undefined) return undefined;
  return {
    username,
    password: f[1],
    uid,
    gid,
    gecos: f[4] ?? "",
    directory: f[5] ?? "",
    shell: f.slice(6).join(":"),
  };
}

/** A uid/gid field as glibc's strtoul-based reader takes it: undefined when malformed or over 32 bits. */
function glibcId(field: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)$/.exec(field);
  if (!m) return undefined;
  const value = BigInt(m[2]);
  if (value > 0xffffffffn || (m[1] === "-" && value !== 0n)) return undefined;
  return Number(value);
}

/** An id of a NIS line: empty is 0 unless the line ends there (`followed`: a colon comes next). */
function nisId(field: string, followed: boolean): number | undefined {
  if (field === "") return followed ? 0 : undefined;
  return glibcId(field);
}

/** One /etc/group entry. */
export interface GroupEntry {
  groupname: string;
  gid: number;
  members: string[];
}

/** Parses group text; lines without four fields or with a non-numeric gid are skipped. */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of databaseLines(text)) {
    const f = line.split(":");
    if (f.length < 4 || f[0] === "") continue;
    const gid = parseId(f[2]);
    if (gid === undefined) continue;
    const members = f.slice(3).join(":").split(",").map((m) => m.trim()).filter((m) => m !== "");
    out.push({ groupname: f[0], gid, members });
  }
  return out;
}

/** One /etc/shadow entry; numeric fields left empty are -1, as glibc reports them. */
export interface ShadowEntry {
  username: string;
  password: string;
  lastChange: number;
  min: number;
  max: number;
  warning: number;
  inactive: number;
  expire: number;
  flag: number;
}

/** A shadow number: empty is -1, anything but digits (with an optional sign) makes the line malformed. */
function shadowNumber(field: string | undefined): number | undefined {
  if (field === undefined || field === "") return -1;
  if (!/^-?\d{1,18}$/.test(field)) return undefined;
  return Number(field);
}

/**
 * Parses shadow text. A line is `name:password` (the old two-field form, every number -1) or has
 * eight or nine fields; any other shape, or a non-numeric number field, is skipped.
 */
export function parseShadow(text: string): ShadowEntry[] {
  const out: ShadowEntry[] = [];
  for (const line of databaseLines(text)) {
    const f = line.split(":");
    if (f[0] === "" || !(f.length === 2 || f.length === 8 || f.length === 9)) continue;
    const numbers = [2, 3, 4, 5, 6, 7, 8].map((i) => shadowNumber(f[i]));
    if (numbers.some((n) => n === undefined)) continue;
    const [lastChange, min, max, warning, inactive, expire, flag] = numbers as number[];
    out.push({ username: f[0], password: f[1], lastChange, min, max, warning, inactive, expire, flag });
  }
  return out;
}

/** The passwd entries under `root` (empty when the file is missing). */
export function readPasswd(root = ""): PasswdEntry[] {
  return parsePasswd(readText(underRoot(root, "/etc/passwd")) ?? "");
}

/** The group entries under `root`. */
export function readGroups(root = ""): GroupEntry[] {
  return parseGroup(readText(underRoot(root, "/etc/group")) ?? "");
}

/** The shadow entries under `root` (empty without permission to read /etc/shadow). */
export function readShadow(root = ""): ShadowEntry[] {
  return parseShadow(readText(underRoot(root, "/etc/shadow")) ?? "");
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

/**
 * Gives `spec` osquery's reading of unset columns: a TEXT column a row leaves out reads as ""
 * (osquery's row map creates the entry on access), while numeric ones stay NULL. Tests and packs
 * that compare with '' depend on it.
 */
export function withOsqueryTextDefaults(spec: TableSpec): TableSpec {
  const textColumns = spec.columns.filter((c) => c.type === "TEXT").map((c) => c.name);
  const fill = (row: Row): Row => {
    for (const name of textColumns) if (row[name] === undefined || row[name] === null) row[name] = "";
    return row;
  };
  const generate = spec.generate;
  return {
    ...spec,
    *generate(ctx: QueryContext) {
      for (const row of generate.call(spec, ctx)) yield fill(row);
    },
  };
}
