/**
 * npm_packages: Node.js packages under the global `lib/node_modules` directories (system,
 * npm-global, nvm, asdf, fnm, mise, Volta), or under `directory = ...` when the query names one,
 * following nested node_modules down to `max_depth` (default 100, -1 for no limit). Default
 * locations are reported in `directory` with a trailing slash, as osquery's glob marks them.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { asObject, expandPattern, isDirectory, isFile, markDirectory, namespaceRoots, readJson } from "./_lib.ts";

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

/** The reported fields of a package.json, or undefined when it is unreadable or not a JSON object. */
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

/** The packages below one directory's node_modules (scoped ones included), nested ones to `maxDepth`. */
export function genNodeDirectory(directory: string, maxDepth: number, prefix = ""): Row[] {
  const rows: Row[] = [];
  const visited = new Set<string>();
  const stack: [string, number][] = [[directory, 0]];
  while (stack.length) {
    const [dir, depth] = stack.pop()!;
    // Symlinked node_modules can loop; each directory is entered once (device and inode).
    try {
      const st = Deno.lstatSync(prefix + dir);
      const id = `${st.dev}:${st.ino}`;
      if (visited.has(id)) continue;
      visited.add(id);
    } catch {
      continue;
    }
    const manifests = [
      ...expandPattern(`${prefix}${dir}/node_modules/%/package.json`),
      ...expandPattern(`${prefix}${dir}/node_modules/@%/%/package.json`),
    ].filter(isFile);
    for (const manifest of manifests) {
      const pkg = readPackageJson(manifest);
      if (!pkg) continue;
      const path = manifest.slice(prefix.length);
      rows.push({ ...pkg, path, directory, depth, max_depth: maxDepth });
      const pkgDir = path.slice(0, path.lastIndexOf("/"));
      if ((maxDepth === -1 || depth < maxDepth) && isDirectory(`${prefix}${pkgDir}/node_modules`)) {
        stack.push([pkgDir, depth + 1]);
      }
    }
  }
  return rows;
}

/** Options for {@linkcode npmPackagesTable}. */
export interface NpmPackagesOptions {
  /** Default locations (default {@linkcode NODE_MODULE_PATTERNS}). */
  locations?: string[];
}

/** Builds the npm_packages table (tests point it at fixture directories). */
export function npmPackagesTable(options: NpmPackagesOptions = {}): TableSpec {
  const locations = options.locations ?? NODE_MODULE_PATTERNS;
  return defineTable({
    name: "npm_packages",
    description: "Node.js packages installed globally or under a given project directory.",
    columns: [
      { name: "name", type: "TEXT" },
      { name: "version", type: "TEXT", collate: "version" },
      { name: "description", type: "TEXT" },
      { name: "author", type: "TEXT" },
      { name: "license", type: "TEXT" },
      { name: "homepage", type: "TEXT" },
      { name: "path", type: "TEXT" },
      { name: "directory", type: "TEXT", index: true, optimized: true },
      { name: "depth", type: "INTEGER" },
      { name: "max_depth", type: "INTEGER", additional: true, hidden: true, linuxHidden: true },
      { name: "pid_with_namespace", type: "INTEGER", additional: true, hidden: true, linuxHidden: true },
      { name: "mount_namespace_id", type: "TEXT", hidden: true, linuxHidden: true },
    ],
    generate(ctx) {
      let maxDepth = DEFAULT_MAX_DEPTH;
      const asked = ctx.equals("max_depth");
      if (asked.length && /^-?\d+$/.test(asked[0])) maxDepth = Number(asked[0]);
      const rows: Row[] = [];
      for (const root of namespaceRoots(ctx)) {
        let directories = ctx.equals("directory");
        if (directories.length === 0) {
          const found = new Set<string>();
          for (const pattern of locations) {
            for (const dir of expandPattern(root.prefix + pattern)) {
              // osquery's glob marks directories (GLOB_MARK): `directory` reads "/usr/lib/".
              if (isDirectory(dir)) found.add(markDirectory(dir.slice(root.prefix.length)));
            }
          }
          directories = [...found];
        }
        for (const directory of directories) {
          for (const row of genNodeDirectory(directory, maxDepth, root.prefix)) {
            rows.push({ ...row, pid_with_namespace: root.pid, mount_namespace_id: root.mountNamespaceId });
          }
        }
      }
      return rows;
    },
  });
}

export default registerTable(npmPackagesTable());
