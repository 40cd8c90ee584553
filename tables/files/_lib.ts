/**
 * What the file tables share beyond core/host (whose `glob.ts` resolves their `path`/`directory`
 * constraints and `namespace_roots.ts` their `pid_with_namespace` views): boost-style path
 * splitting, as osquery reports `directory` and `filename`.
 *
 * @module
 */

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
