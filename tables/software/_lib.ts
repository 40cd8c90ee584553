/**
 * Helpers shared by the software tables: JSON reading (a missing or unreadable file is "nothing
 * here", never an exception), the local users the per-user tables scan, osquery's user selection
 * from a `uid` constraint, mount-namespace roots for `pid_with_namespace`, and small parsers
 * (deb822 stanzas, INI files, globs). File reading, directory listing and /etc/passwd are the
 * host readers of `core/host/`, re-exported for this area's tables.
 *
 * @module
 */
import { OP, type QueryContext } from "../../core/table.ts";
import { isDirectory, isFile, listDir, readBytes, readText } from "../../core/host/files.ts";
import { type PasswdEntry as HostPasswdEntry, readPasswd } from "../../core/host/accounts.ts";
import { splitTrim } from "../../core/host/text.ts";

export { isDirectory, isFile, listDir, readBytes, readText, splitTrim };

/** Parses a JSON file; undefined when it is missing or not valid JSON. */
export function readJson(path: string): unknown {
  const text = readText(path);
  if (text === undefined) return undefined;
  try {
    // A UTF-8 byte order mark is common in hand-edited manifests.
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return undefined;
  }
}

/** A plain JSON object, or undefined for anything else (arrays, scalars, null). */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

/** A JSON value rendered as text the way osquery's property-tree reads do: strings as is, numbers and booleans printed. */
export function jsonText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** `dir` with one trailing slash, as glob(3) with GLOB_MARK reports a directory. */
export function markDirectory(dir: string): string {
  return dir.endsWith("/") ? dir : `${dir}/`;
}

/** Names of the subdirectories of `path` (symlinks to directories included), sorted. */
export function listSubdirs(path: string): string[] {
  const out: string[] = [];
  for (const e of listDir(path)) {
    if (e.isDirectory || (e.isSymlink && isDirectory(`${path}/${e.name}`))) out.push(e.name);
  }
  return out;
}

/** Joins path parts with single slashes. */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/").replace(/\/{2,}/g, "/");
}

/**
 * Expands a path pattern where `%` (osquery's wildcard) or `*` matches any run of characters
 * inside one path component. Results are sorted; components without wildcards are taken as is.
 */
export function expandPattern(pattern: string): string[] {
  const absolute = pattern.startsWith("/");
  const parts = pattern.split("/").filter((p) => p !== "");
  let current = [absolute ? "/" : "."];
  for (const part of parts) {
    const next: string[] = [];
    if (!part.includes("%") && !part.includes("*")) {
      for (const base of current) next.push(base === "/" ? `/${part}` : `${base}/${part}`);
    } else {
      const re = new RegExp(
        "^" + part.split(/[%*]/).map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$",
      );
      for (const base of current) {
        for (const e of listDir(base)) {
          if (re.test(e.name)) next.push(base === "/" ? `/${e.name}` : `${base}/${e.name}`);
        }
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current.filter((p) => {
    try {
      Deno.lstatSync(p);
      return true;
    } catch {
      return false;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Users

/** What the per-user tables use of a passwd entry. */
export type PasswdEntry = Pick<HostPasswdEntry, "username" | "uid" | "gid" | "directory" | "shell">;

/**
 * The local accounts per-user tables can scan: /etc/passwd under `root`, as glibc reads it, without
 * NIS compat entries (`+`, `-name`: no home directory to read) and entries without a home.
 */
export function localUsers(root = ""): PasswdEntry[] {
  return readPasswd(root).filter((u) =>
    u.directory !== "" && !u.username.startsWith("+") && !u.username.startsWith("-")
  );
}

/** Where per-user tables find users; tests replace it with fixtures. */
export interface UserSource {
  /** Every local user. */
  users(): PasswdEntry[];
  /** The uid osq runs as (the user reported when the query has no uid constraint). */
  currentUid(): number;
}

/** The host's users, from /etc/passwd. */
export const hostUsers: UserSource = {
  users: () => localUsers(),
  currentUid: () => Deno.uid() ?? 0,
};

/**
 * The users a per-user table scans, following osquery: the users whose uid the query names
 * (`uid = ...`, `uid IN (...)`, or a join such as `users CROSS JOIN t USING (uid)`), else the
 * user osq runs as.
 */
export function usersFromContext(ctx: QueryContext, source: UserSource = hostUsers): PasswdEntry[] {
  const all = source.users();
  if (ctx.hasConstraint("uid", OP.EQUALS)) {
    const wanted = new Set(ctx.integerEquals("uid"));
    return all.filter((u) => wanted.has(u.uid));
  }
  const me = source.currentUid();
  const found = all.filter((u) => u.uid === me);
  return found.length ? [found[0]] : [];
}

/** Distinct users by home directory (two passwd names sharing a home are scanned once, as the first). */
export function distinctHomes(users: PasswdEntry[]): PasswdEntry[] {
  const seen = new Set<string>();
  const out: PasswdEntry[] = [];
  for (const u of users) {
    const key = `${u.uid}\0${u.directory}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(u);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mount namespaces

/** A filesystem view to scan: the host's, or a process's mount namespace (through /proc/<pid>/root). */
export interface NamespaceRoot {
  /** Prefix to put before absolute paths ("" for the host). */
  prefix: string;
  /** The pid named by `pid_with_namespace`, 0 for the host. */
  pid: number;
  /** The mount namespace inode, when scanning another namespace. */
  mountNamespaceId?: string;
}

/**
 * The roots a table with `pid_with_namespace` scans: the host when the column is unconstrained,
 * else each named process's root as seen through /proc (processes that are gone are skipped).
 * osquery enters the namespace with setns(); reading /proc/<pid>/root reaches the same files
 * without leaving ours.
 */
export function namespaceRoots(ctx: QueryContext, proc = "/proc"): NamespaceRoot[] {
  if (!ctx.hasConstraint("pid_with_namespace")) return [{ prefix: "", pid: 0 }];
  const out: NamespaceRoot[] = [];
  for (const pid of ctx.integerEquals("pid_with_namespace")) {
    if (pid <= 0) continue;
    let link: string;
    try {
      link = Deno.readLinkSync(`${proc}/${pid}/ns/mnt`);
    } catch {
      continue;
    }
    const m = /\[(\d+)\]/.exec(link);
    if (!m) continue;
    out.push({ prefix: `${proc}/${pid}/root`, pid, mountNamespaceId: m[1] });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parsers

/** One section of an INI file: its name and its keys in order. */
export interface IniSection {
  name: string;
  values: Map<string, string>;
}

/** Raised by {@linkcode parseIni} on input the INI grammar rejects (the caller skips the file). */
export class IniSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IniSyntaxError";
  }
}

/**
 * Parses an INI file as boost's property-tree reader does: `[section]` headers, `key = value`
 * lines (trimmed), `;` and `#` comment lines, and (as yum reads them) indented continuation lines
 * appended to the previous value. A duplicate section or a duplicate key within a section, or a
 * line that is none of these, rejects the file.
 */
export function parseIni(text: string): IniSection[] {
  const sections: IniSection[] = [];
  const names = new Set<string>();
  let current: IniSection | undefined;
  const topLevel: IniSection = { name: "", values: new Map() };
  let lineNo = 0;
  let lastKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    lineNo++;
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#")) continue;
    const target = current ?? topLevel;
    if ((raw[0] === " " || raw[0] === "\t") && lastKey !== undefined) {
      // An indented line continues the previous value (yum writes long gpgkey/baseurl lists so).
      target.values.set(lastKey, `${target.values.get(lastKey)} ${line}`.trim());
      continue;
    }
    lastKey = undefined;
    if (line.startsWith("[")) {
      const end = line.indexOf("]");
      if (end < 0) throw new IniSyntaxError(`line ${lineNo}: unmatched '['`);
      const name = line.slice(1, end).trim();
      if (names.has(name)) throw new IniSyntaxError(`line ${lineNo}: duplicate section name`);
      names.add(name);
      current = { name, values: new Map() };
      sections.push(current);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) throw new IniSyntaxError(`line ${lineNo}: '=' character not found`);
    const key = line.slice(0, eq).trim();
    if (key === "") throw new IniSyntaxError(`line ${lineNo}: key expected`);
    if (target.values.has(key)) throw new IniSyntaxError(`line ${lineNo}: duplicate key name`);
    target.values.set(key, line.slice(eq + 1).trim());
    lastKey = key;
  }
  return sections;
}

/**
 * Splits deb822 text (dpkg status, apt Release, .sources files) into stanzas of fields. Field
 * names keep their case; continuation lines are appended to the previous field after a newline.
 * Lines that are not fields are ignored.
 */
export function parseDeb822(text: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split("\n")) {
    const l = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (l.trim() === "") {
      if (current.size) out.push(current);
      current = new Map();
      last = undefined;
      continue;
    }
    if (l[0] === " " || l[0] === "\t") {
      if (last !== undefined) current.set(last, `${current.get(last)}\n${l.trim()}`);
      continue;
    }
    const colon = l.indexOf(":");
    if (colon <= 0) continue;
    last = l.slice(0, colon);
    current.set(last, l.slice(colon + 1).trim());
  }
  if (current.size) out.push(current);
  return out;
}
