/**
 * The host's account databases, read once for every area: /etc/passwd, /etc/group and
 * /etc/shadow parsed as glibc's files backend reads them (what osquery's getpwent/fgetpwent_r
 * calls see), under a root so fixture trees and other mount namespaces read alike. The name
 * service (LDAP, SSSD...) is {@link ./nss.ts}.
 *
 * Parsers never throw on bad input: a malformed line is skipped, as glibc's files backend does.
 *
 * @module
 */
import { readText, underRoot } from "./files.ts";

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
