/**
 * Small /proc readers needed by more than one area (processes, docker, ...). Area-specific
 * /proc parsing stays in the area's `_lib.ts`; what several areas share lives here once.
 *
 * @module
 */
import type { ColumnSpec } from "../table.ts";
import { readLink } from "./files.ts";

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
