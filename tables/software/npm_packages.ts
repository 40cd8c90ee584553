/**
 * npm_packages: Node.js packages under the global `lib/node_modules` directories (system,
 * npm-global, nvm, asdf, fnm, mise, Volta), or under `directory = ...` when the query names one,
 * following nested node_modules down to `max_depth` (default 100, -1 for no limit). Default
 * locations are reported in `directory` with a trailing slash, as osquery's glob marks them.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { namespaceRoots } from "../../core/host/namespace_roots.ts";
import { asObject, globHost, isDirectory, isFile, markDirectory, readJson } from "./_lib.ts";

export default registerTable(defineTable({
  name: "npm_packages",
  description: "Node.js packages installed globally or under a given project directory.",
  columns: [
    { name: "name", type: "TEXT", description: "The name its package.json gives." },
    { name: "version", type: "TEXT", collate: "version", description: "The version its package.json gives." },
    { name: "description", type: "TEXT", description: "The description its package.json gives." },
    { name: "author", type: "TEXT", description: "The author its package.json gives (the name of an author object)." },
    { name: "license", type: "TEXT", description: "The license its package.json gives (the URL of a license object)." },
    { name: "homepage", type: "TEXT", description: "The homepage its package.json gives." },
    { name: "path", type: "TEXT", description: "The package's package.json." },
    {
      name: "directory",
      type: "TEXT",
      index: true,
      optimized: true,
      description: "The directory whose node_modules was read (default locations end in a slash).",
    },
    { name: "depth", type: "INTEGER", description: "How deep in nested node_modules the package sits (0: direct)." },
    {
      name: "max_depth",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "How deep to follow nested node_modules (default 100, -1: no limit).",
    },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Read the packages of this process's mount namespace (0: the host's).",
    },
    {
      name: "mount_namespace_id",
      type: "TEXT",
      hidden: true,
      linuxHidden: true,
      description: "The inode of the mount namespace read (empty for the host's).",
    },
  ],
  generate(ctx) {
    let maxDepth = DEFAULT_MAX_DEPTH;
    const asked = ctx.equals("max_depth");
    if (asked.length && /^-?\d+$/.test(asked[0])) maxDepth = Number(asked[0]);
    const rows: Row[] = [];
    for (const view of namespaceRoots(ctx)) {
      let directories = ctx.equals("directory");
      if (directories.length === 0) {
        const found = new Set<string>();
        for (const pattern of NODE_MODULE_PATTERNS) {
          for (const dir of globHost(view.host, pattern)) {
            // osquery's glob marks directories (GLOB_MARK): `directory` reads "/usr/lib/".
            if (isDirectory(view.host.path(dir))) found.add(markDirectory(dir));
          }
        }
        directories = [...found];
      }
      for (const directory of directories) {
        for (const row of genNodeDirectory(view.host, directory, maxDepth)) {
          rows.push({ ...row, pid_with_namespace: view.pid, mount_namespace_id: view.mountNamespaceId });
        }
      }
    }
    return rows;
  },
}));

/** Locations whose node_modules are scanned when the query names no directory (`%` matches anything). */
export const NODE_MODULE_PATTERNS = [
  "/usr/local/lib",
  "/opt/homebrew/lib",
  "/usr/lib",
  "/home/%/.npm-global/lib",
  "/home/%/.nvm/versions/node/%/lib",
  "/home/%/.asdf/installs/nodejs/%/lib",
  "/home/%/.local/share/fnm/node-versions/%/installation/lib",
  "/home/%/.local/share/mise/installs/node/%/lib",
  "/home/%/.volta/tools/image/node/%/lib",
];

const DEFAULT_MAX_DEPTH = 100;

/** The reported fields of a package.json (a path as this machine reads it), or undefined when it is unreadable or not a JSON object. */
export function readPackageJson(path: string): Row | undefined {
  const doc = asObject(readJson(path));
  if (!doc) return undefined;
  const row: Row = {};
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  for (const key of ["name", "version", "description", "homepage"]) {
    if (key in doc) row[key] = text(doc[key]);
  }
  const author = doc.author;
  if (typeof author === "string") row.author = author;
  else if (asObject(author) && "name" in asObject(author)!) row.author = text(asObject(author)!.name);
  const license = doc.license;
  if (typeof license === "string") row.license = license;
  else if (asObject(license) && typeof asObject(license)!.url === "string") {
    row.license = asObject(license)!.url as string;
  }
  return row;
}

/** The packages below one directory's node_modules on `host` (scoped ones included), nested ones to `maxDepth`. */
export function genNodeDirectory(host: Host, directory: string, maxDepth: number): Row[] {
  const rows: Row[] = [];
  const visited = new Set<string>();
  const stack: [string, number][] = [[directory, 0]];
  while (stack.length) {
    const [dir, depth] = stack.pop()!;
    // Symlinked node_modules can loop; each directory is entered once (device and inode).
    try {
      const st = Deno.lstatSync(host.path(dir));
      const id = `${st.dev}:${st.ino}`;
      if (visited.has(id)) continue;
      visited.add(id);
    } catch {
      continue;
    }
    const manifests = [
      ...globHost(host, `${dir}/node_modules/%/package.json`),
      ...globHost(host, `${dir}/node_modules/@%/%/package.json`),
    ].filter((p) => isFile(host.path(p)));
    for (const path of manifests) {
      const pkg = readPackageJson(host.path(path));
      if (!pkg) continue;
      rows.push({ ...pkg, path, directory, depth, max_depth: maxDepth });
      const pkgDir = path.slice(0, path.lastIndexOf("/"));
      if ((maxDepth === -1 || depth < maxDepth) && isDirectory(host.path(`${pkgDir}/node_modules`))) {
        stack.push([pkgDir, depth + 1]);
      }
    }
  }
  return rows;
}
