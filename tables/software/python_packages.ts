/**
 * python_packages: Python distributions installed system-wide (dist-packages/site-packages under
 * /usr, /usr/local, /opt/conda, ...) and in the home directories of the queried users (pyenv,
 * ~/.local, pipx, uv, conda, virtualenvs, ...), read from their `.dist-info/METADATA` or
 * `.egg-info/PKG-INFO` files. Site directories found by pattern are reported in `directory` with a
 * trailing slash, as osquery's glob marks them; a `directory =` value is reported as written.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { namespaceRoots } from "../../core/host/namespace_roots.ts";
import { usersFromContext } from "../../core/host/per_user.ts";
import { globHost, isDirectory, listDir, listSubdirs, markDirectory, readText, splitTrim } from "./_lib.ts";

export default registerTable(defineTable({
  name: "python_packages",
  description: "Python distributions installed system-wide and in users' environments.",
  columns: [
    { name: "name", type: "TEXT", description: "The distribution's Name from its metadata." },
    { name: "uid", type: "BIGINT", index: true, description: "The user whose home holds it (0 for system-wide ones)." },
    { name: "version", type: "TEXT", collate: "version", description: "The Version from its metadata." },
    { name: "summary", type: "TEXT", description: "The Summary from its metadata." },
    { name: "author", type: "TEXT", description: "The Author from its metadata." },
    { name: "license", type: "TEXT", description: "The License from its metadata." },
    { name: "path", type: "TEXT", description: "Its .dist-info or .egg-info directory." },
    {
      name: "directory",
      type: "TEXT",
      index: true,
      optimized: true,
      description: "The site directory it was found in (found by pattern: with a trailing slash).",
    },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Read the system sites of this process's mount namespace (0: the host's).",
    },
  ],
  attributes: { user_data: true },
  generate(ctx) {
    const rows: Row[] = [];
    const add = (list: Row[], pid: number) => {
      for (const r of list) rows.push({ ...r, pid_with_namespace: pid });
    };
    const directories = ctx.equals("directory");
    for (const view of namespaceRoots(ctx)) {
      if (directories.length) {
        // Named directories are scanned as they are, and nothing else (osquery's behaviour).
        for (const dir of directories) add(genSiteDirectory(view.host, dir, 0), view.pid);
        continue;
      }
      const sites = new Set<string>();
      for (const pattern of SYSTEM_SITE_PATTERNS) {
        for (const site of globHost(view.host, pattern)) {
          // osquery's glob marks directories (GLOB_MARK): `directory` reads ".../dist-packages/".
          if (isDirectory(view.host.path(site))) sites.add(markDirectory(site));
        }
      }
      for (const site of sites) add(genSiteDirectory(view.host, site, 0), view.pid);
      if (view.pid !== 0) continue; // Home directories come from the host's passwd.
      for (const user of usersFromContext(ctx)) {
        if (user.directory === "/") continue;
        for (const rel of USER_PATTERNS) {
          for (const site of userSiteDirectories(ctx.host, `${user.directory}/${rel}`)) {
            add(genSiteDirectory(ctx.host, site.scan, user.uid, site.reported), 0);
          }
        }
      }
    }
    return rows;
  },
}));

/** System-wide site directories (`%` matches the Python version). */
export const SYSTEM_SITE_PATTERNS = [
  "/usr/local/lib/python%/dist-packages",
  "/usr/local/lib/python%/site-packages",
  "/usr/local/lib64/python%/site-packages",
  "/opt/homebrew/lib/python%/dist-packages",
  "/opt/homebrew/lib/python%/site-packages",
  "/usr/lib/python%/dist-packages",
  "/usr/lib/python%/site-packages",
  "/Library/Python/%/site-packages",
  "/opt/conda/lib/python%/dist-packages",
  "/opt/conda/lib/python%/site-packages",
  "/opt/miniconda3/lib/python%/site-packages",
  "/opt/anaconda3/lib/python%/site-packages",
];

/** Per-user locations, relative to the home directory: interpreters or environments, one per subdirectory. */
const USER_PATTERNS = [
  ".pyenv/versions",
  ".local/lib/python%",
  ".asdf/installs/python",
  ".local/share/uv/tools",
  ".local/share/mise/installs/python",
  ".local/share/pipx/venvs",
  ".local/pipx/venvs",
  ".cache/pypoetry/virtualenvs",
  "miniforge3/lib/python%",
  "miniconda3/lib/python%",
  "anaconda3/lib/python%",
  "mambaforge/lib/python%",
  "miniforge3/envs",
  "miniconda3/envs",
  "anaconda3/envs",
  "mambaforge/envs",
  ".virtualenvs",
  ".local/share/virtualenvs",
];

/** Reads Name, Version, Summary, Author and License from a core-metadata file (headers up to License). */
export function parsePythonMetadata(text: string): Row {
  const row: Row = {};
  for (const line of text.split("\n")) {
    const fields = splitTrim(line, ":");
    if (fields.length !== 2) continue;
    const [key, value] = fields;
    if (key === "Name") row.name = value;
    else if (key === "Version") row.version = value;
    else if (key === "Summary") row.summary = value;
    else if (key === "Author") row.author = value;
    else if (key === "License") {
      row.license = value;
      break;
    }
  }
  return row;
}

/**
 * The distributions of one site directory of `host`, as rows; unreadable metadata skips the
 * distribution. `reported` is the `directory` value the rows carry (default `site`).
 */
export function genSiteDirectory(host: Host, site: string, uid: number, reported = site): Row[] {
  const rows: Row[] = [];
  for (const name of listSubdirs(host.path(site))) {
    let file: string;
    if (name.endsWith(".dist-info")) file = "METADATA";
    else if (name.endsWith(".egg-info")) file = "PKG-INFO";
    else continue;
    const text = readText(host.path(`${site}/${name}/${file}`));
    if (text === undefined) continue;
    const meta = parsePythonMetadata(text);
    if (meta.name === undefined) continue;
    rows.push({ ...meta, uid, path: site.endsWith("/") ? site + name : `${site}/${name}`, directory: reported });
  }
  return rows;
}

/** A site directory to scan and the `directory` value its rows carry. */
interface UserSite {
  scan: string;
  reported: string;
}

/**
 * The site directories under one user location: each interpreter or environment's
 * `lib/python*\/site-packages`, or for a `lib/python*` location its `site-packages`. osquery
 * reports the latter under the `lib/python3.X/` directory it globbed (its recursive listing finds
 * the packages in `site-packages` below it), so that is the `directory` value here too.
 */
function userSiteDirectories(host: Host, location: string): UserSite[] {
  const out: UserSite[] = [];
  for (const dir of globHost(host, location)) {
    if (!isDirectory(host.path(dir))) continue;
    let nested = 0;
    // Symlinked versions (pyenv's aliases such as 3.11 -> 3.11.7) would list the same packages twice.
    for (const sub of listDir(host.path(dir)).filter((e) => e.isDirectory).map((e) => e.name)) {
      for (const site of globHost(host, `${dir}/${sub}/lib/python%/site-packages`)) {
        if (isDirectory(host.path(site))) {
          out.push({ scan: site, reported: markDirectory(site) });
          nested++;
        }
      }
    }
    if (nested === 0) {
      const scan = isDirectory(host.path(`${dir}/site-packages`)) ? `${dir}/site-packages` : dir;
      out.push({ scan, reported: markDirectory(dir) });
    }
  }
  return out;
}
