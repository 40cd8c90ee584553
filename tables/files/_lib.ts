/**
 * What the file tables share beyond core/host (whose `glob.ts` resolves their `path`/`directory`
 * constraints): boost-style path splitting, a directory's entry paths, and the mount-namespace
 * roots of `pid_with_namespace`.
 *
 * @module
 */
import type { QueryContext } from "../../core/table.ts";
import { joinPath } from "../../core/host/files.ts";
import { listEntries } from "../../core/host/statx.ts";

/** boost::filesystem (v3) `parent_path`: "/etc/hosts" → "/etc", "/etc/ssh/" → "/etc/ssh", "/etc" → "/". */
export function parentPath(path: string): string {
  if (path === "/" || path === "") return "";
  // The common case without regular expressions: "/a/b" → "/a" (one slash before the name).
  const last = path.lastIndexOf("/");
  if (last > 0 && last < path.length - 1 && path.charCodeAt(last - 1) !== 47) return path.slice(0, last);
  if (path.endsWith("/")) return path.replace(/\/+$/, "") || "/";
  const at = path.lastIndexOf("/");
  if (at < 0) return "";
  if (at === 0) return "/";
  return path.slice(0, at).replace(/\/+$/, "") || "/";
}

/** boost::filesystem (v3) `filename`: "/etc/hosts" → "hosts", "/etc/ssh/" → ".", "/" → "/". */
export function fileName(path: string): string {
  if (path === "/") return "/";
  if (path.endsWith("/")) return ".";
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The full paths of `dir`'s entries, in readdir order (empty when it cannot be listed). */
export function entryPaths(dir: string): string[] {
  return listEntries(dir).map((e) => joinPath(dir, e.name));
}

/** One filesystem view a scan reads: the host's (pid 0) or a process's mount namespace. */
export interface NamespaceRoot {
  /** The `pid_with_namespace` value rows carry. */
  pid: number;
  /** Prefix for reading ("" on the host, `/proc/<pid>/root` for a process). */
  root: string;
}

/**
 * The views a scan reads for osquery's hidden `pid_with_namespace` column: the host, or for each
 * pid the query names, the files that process sees through `/proc/<pid>/root`. (Absolute symlinks
 * inside such a root resolve against the host's root; osquery enters the namespace instead.)
 */
export function namespaceRoots(ctx: QueryContext, proc = "/proc"): NamespaceRoot[] {
  const pids = ctx.integerEquals("pid_with_namespace").filter((p) => p > 0);
  if (pids.length === 0) return [{ pid: 0, root: "" }];
  return pids.map((pid) => ({ pid, root: `${proc}/${pid}/root` }));
}
