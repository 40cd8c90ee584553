/**
 * Path arithmetic on POSIX paths, without Node's `path` module (importing a `node:` module sets
 * up Deno's Node layer: ~10 MiB and ~30 ms, core/runtime/node_builtins.ts).
 *
 * @example
 * ```ts
 * import { directoryOf } from "./paths.ts";
 * directoryOf("/var/osquery/osquery.db"); // "/var/osquery"
 * directoryOf("osquery.db"); // "."
 * ```
 *
 * @module
 */

/** The directory holding `path`, as `dirname` gives it: "/" for a file at the root, "." for a bare name. */
export function directoryOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
}
