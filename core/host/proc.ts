/**
 * Small /proc readers needed by more than one area (processes, docker, the watchdog, ...). Area-specific
 * /proc parsing stays in the area's `_lib.ts`; what several areas share lives here once.
 *
 * @module
 */
import type { ColumnSpec } from "../table.ts";
import { readLink } from "./files.ts";
import { fields, parseDecimal } from "./text.ts";

/** The default procfs mount. */
export const PROC_ROOT = "/proc";

/** The namespaces osquery reports, in its column order. */
export const NAMESPACES = ["cgroup", "ipc", "mnt", "net", "pid", "user", "uts"] as const;

/** The `<kind>_namespace` columns (TEXT inode numbers) of the tables that report namespaces, in osquery's order. */
export const NAMESPACE_COLUMNS: readonly ColumnSpec[] = NAMESPACES.map((kind) => ({
  name: `${kind}_namespace`,
  type: "TEXT",
  description: `Inode number of the process's ${kind} namespace (the /proc/<pid>/ns/${kind} link).`,
}));

/** One namespace kind osquery reports. */
export type NamespaceKind = typeof NAMESPACES[number];

/**
 * The inode in a namespace link ("net:[4026531840]" for "net") as text, or undefined when the
 * link is of another kind or malformed (inode 0 included: the kernel never gives it).
 */
export function parseNamespaceLink(link: string, kind: string): string | undefined {
  if (!link.startsWith(kind) || link.charCodeAt(kind.length) !== 58 || link.charCodeAt(kind.length + 1) !== 91) {
    return undefined;
  }
  if (!link.endsWith("]")) return undefined;
  const inode = link.slice(kind.length + 2, -1);
  return /^\d+$/.test(inode) && Number(inode) !== 0 ? inode : undefined;
}

/**
 * The inode of one namespace of `pid` (from `<root>/<pid>/ns/<kind>`), as text, or undefined
 * when the process is gone or the link cannot be read.
 */
export function namespaceInode(pid: number, kind: string, root = PROC_ROOT): string | undefined {
  const link = readLink(`${root}/${pid}/ns/${kind}`);
  return link === undefined ? undefined : parseNamespaceLink(link, kind);
}

/** What /proc/<pid>/stat tells. */
export interface ProcStat {
  /** The command name between the parentheses (raw, as the kernel stores it). */
  comm: string;
  /** One-letter scheduler state (R, S, D, Z, ...). */
  state: string;
  /** Parent pid. */
  parent: number;
  /** Process group id. */
  pgroup: number;
  /** Clock ticks in user mode. */
  utime: number;
  /** Clock ticks in kernel mode. */
  stime: number;
  /** Nice value (-20 to 19). */
  nice: number;
  /** Number of threads. */
  threads: number;
  /** Clock ticks after boot when the process started. */
  starttime: number;
  /** Resident set size in pages (undefined when the line ends before it). */
  rssPages: number | undefined;
}

/** Parses /proc/<pid>/stat; undefined when it is truncated or malformed. */
export function parseStat(content: string): ProcStat | undefined {
  // The command name may hold spaces and parentheses: fields resume after the last ')'.
  const open = content.indexOf("(");
  const close = content.lastIndexOf(")");
  if (open < 0 || close < open || content.length <= close + 2) return undefined;
  const rest = fields(content.slice(close + 2));
  if (rest.length <= 19) return undefined;
  const parent = parseDecimal(rest[1]);
  const pgroup = parseDecimal(rest[2]);
  const utime = parseDecimal(rest[11]);
  const stime = parseDecimal(rest[12]);
  const nice = parseDecimal(rest[16]);
  const threads = parseDecimal(rest[17]);
  const starttime = parseDecimal(rest[19]);
  if (
    parent === undefined || pgroup === undefined || utime === undefined || stime === undefined ||
    nice === undefined || threads === undefined || starttime === undefined
  ) return undefined;
  return {
    comm: content.slice(open + 1, close),
    state: rest[0],
    parent,
    pgroup,
    utime,
    stime,
    nice,
    threads,
    starttime,
    rssPages: rest.length > 21 ? parseDecimal(rest[21]) : undefined,
  };
}
