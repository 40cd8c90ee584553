/**
 * `hash`: MD5, SHA-1 and SHA-256 of the regular files a query names by `path` (= or LIKE) or by
 * `directory`. Only the digests the query reads are computed; results are cached per file
 * (`_hash.ts`), and a file is streamed through the digests in fixed-size chunks.
 *
 * @module
 */
import { defineTable, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { isDirectory, isFile, joinPath } from "../../core/host/files.ts";
import { readDirectory } from "../../core/host/statx.ts";
import { GLOB, iterateConstrainedPaths } from "../../core/host/glob.ts";
import { type NamespaceRoot, namespaceRoots } from "../../core/host/namespace_roots.ts";
import { parentPath } from "./_lib.ts";
import { type Algorithm, hashCache } from "./_hash.ts";

export default registerTable(defineTable({
  name: "hash",
  description: "Cryptographic digests (MD5, SHA-1, SHA-256) of the regular files a query names.",
  columns: [
    {
      name: "path",
      type: "TEXT",
      required: true,
      index: true,
      optimized: true,
      description: "The file to hash (= or LIKE); a path or a directory must be given.",
    },
    {
      name: "directory",
      type: "TEXT",
      required: true,
      optimized: true,
      description: "Hash every regular file in this directory (= or LIKE); a path or a directory must be given.",
    },
    { name: "md5", type: "TEXT", collate: "nocase", description: "The MD5 digest of the contents, in hex." },
    { name: "sha1", type: "TEXT", collate: "nocase", description: "The SHA-1 digest of the contents, in hex." },
    { name: "sha256", type: "TEXT", collate: "nocase", description: "The SHA-256 digest of the contents, in hex." },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Read the files as this process sees them (its mount namespace); 0 for the host's view.",
    },
    {
      name: "mount_namespace_id",
      type: "TEXT",
      hidden: true,
      linuxHidden: true,
      description: "The inode of the mount namespace read (with pid_with_namespace); empty for the host's.",
    },
  ],
  *generate(ctx) {
    const wanted = ALGORITHMS.filter((a) => ctx.isUsed(a));
    for (const view of namespaceRoots(ctx)) {
      const root = view.root;
      for (const path of iterateConstrainedPaths(ctx, "path", GLOB.ALL, root)) {
        if (isFile(root + path)) yield hashRow(ctx, path, parentPath(path), view, wanted);
      }
      for (const dir of iterateConstrainedPaths(ctx, "directory", GLOB.ALL, root)) {
        if (!isDirectory(root + dir)) continue;
        for (const name of readDirectory(root + dir)?.names ?? []) {
          const path = joinPath(dir, name);
          if (isFile(root + path)) yield hashRow(ctx, path, dir, view, wanted);
        }
      }
    }
  },
}));

/** The digests the table offers, by column name. */
const ALGORITHMS: Algorithm[] = ["md5", "sha1", "sha256"];

/** The row of one regular file, with the `wanted` digests (empty when it cannot be read). */
function hashRow(ctx: QueryContext, path: string, directory: string, view: NamespaceRoot, wanted: Algorithm[]): Row {
  const digests = wanted.length ? hashCache.digests(view.root + path, wanted, undefined, () => ctx.cancelled) : {};
  return {
    path,
    directory,
    md5: digests.md5,
    sha1: digests.sha1,
    sha256: digests.sha256,
    pid_with_namespace: view.pid,
    mount_namespace_id: view.mountNamespaceId ?? "",
  };
}
