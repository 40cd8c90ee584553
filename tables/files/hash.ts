/**
 * `hash`: MD5, SHA-1 and SHA-256 of the regular files a query names by `path` (= or LIKE) or by
 * `directory`. Only the digests the query reads are computed; results are cached per file.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec, withOsqueryTextDefaults } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { isDirectory, isFile, joinPath } from "../../core/host/files.ts";
import { listEntries } from "../../core/host/statx.ts";
import { GLOB, iterateConstrainedPaths } from "../../core/host/glob.ts";
import { namespaceRoots, parentPath } from "./_lib.ts";
import { type Algorithm, type HashCache, hashCache } from "./_hash.ts";

const ALGORITHMS: Algorithm[] = ["md5", "sha1", "sha256"];

/** The `hash` table over `cache`. */
export function hashTable(cache: HashCache = hashCache): TableSpec {
  return withOsqueryTextDefaults(defineTable({
    name: "hash",
    description: "Cryptographic digests (MD5, SHA-1, SHA-256) of the files a query names.",
    columns: [
      { name: "path", type: "TEXT", required: true, index: true, optimized: true },
      { name: "directory", type: "TEXT", required: true, optimized: true },
      { name: "md5", type: "TEXT", collate: "nocase" },
      { name: "sha1", type: "TEXT", collate: "nocase" },
      { name: "sha256", type: "TEXT", collate: "nocase" },
      { name: "pid_with_namespace", type: "INTEGER", additional: true, hidden: true, linuxHidden: true },
      { name: "mount_namespace_id", type: "TEXT", hidden: true, linuxHidden: true },
    ],
    *generate(ctx) {
      const wanted = ALGORITHMS.filter((a) => ctx.isUsed(a));
      for (const { pid, root } of namespaceRoots(ctx)) {
        const row = (path: string, directory: string): Row => ({
          path,
          directory,
          ...(wanted.length ? cache.digests(root + path, wanted, undefined, () => ctx.cancelled) : {}),
          pid_with_namespace: pid,
        });
        for (const path of iterateConstrainedPaths(ctx, "path", GLOB.ALL, root)) {
          if (isFile(root + path)) yield row(path, parentPath(path));
        }
        for (const dir of iterateConstrainedPaths(ctx, "directory", GLOB.ALL, root)) {
          if (!isDirectory(root + dir)) continue;
          for (const entry of listEntries(root + dir)) {
            const path = joinPath(dir, entry.name);
            if (isFile(root + path)) yield row(path, dir);
          }
        }
      }
    },
  }));
}

export default registerTable(hashTable());
