/**
 * deb_package_files: the paths dpkg recorded for each package, read from the `<admindir>/info/<package>.list`
 * files. Without a `package` constraint the packages are those deb_packages lists (the same status database
 * and journal); with one, the list files are read directly. Multi-Arch "same" packages keep their list as
 * `<package>:<arch>.list`; those are reported under the bare package name too.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { isDirectory, isFile, listDir, readText } from "./_lib.ts";
import { DEFAULT_ADMINDIR, readDpkgDatabase } from "./deb_packages.ts";

export default registerTable(defineTable({
  name: "deb_package_files",
  description: "Paths installed by each Debian package, as recorded in dpkg's per-package list files.",
  columns: [
    { name: "package", type: "TEXT", index: true, optimized: true, description: "The package's name." },
    { name: "path", type: "TEXT", index: true, description: "A path the package installed." },
    {
      name: "admindir",
      type: "TEXT",
      additional: true,
      optimized: true,
      description: "The dpkg database directory read (default /var/lib/dpkg).",
    },
  ],
  generate(ctx) {
    const admindirs = ctx.equals("admindir");
    if (admindirs.length === 0) admindirs.push(DEFAULT_ADMINDIR);
    // A name with a slash cannot be a package and must not walk out of info/.
    const requested = ctx.equals("package").filter((p) => p !== "" && !p.includes("/"));
    const rows: Row[] = [];
    for (const admindir of admindirs) {
      const dir = ctx.host.path(admindir);
      if (!isDirectory(dir)) continue;
      let names: string[];
      if (requested.length > 0) {
        names = requested;
      } else {
        const packages = readDpkgDatabase(dir);
        if (packages === undefined) continue;
        names = [...new Set(packages.map((p) => p.name))];
      }
      names.sort();
      // A few named packages: look their list files up directly; otherwise index info/ once.
      let lists: Map<string, string[]> | undefined;
      const listsOf = (name: string): string[] => {
        if (requested.length > 0 && requested.length <= 16) {
          const plain = `${dir}/info/${name}.list`;
          // Only Multi-Arch "same" packages use <name>:<arch>.list, and then never the plain name.
          if (isFile(plain)) return [plain];
        }
        lists ??= listFilesByPackage(dir);
        return lists.get(name) ?? [];
      };
      for (const name of names) {
        // An interrupted query (Ctrl-C, a time limit) stops between packages: there may be thousands.
        if (ctx.cancelled) return rows;
        for (const file of listsOf(name)) {
          for (const path of readListFile(file)) rows.push({ package: name, path, admindir });
        }
      }
    }
    return rows;
  },
}));

/** The list files in `<admindir>/info`, grouped by package name (the part before any `:arch`). */
export function listFilesByPackage(admindir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const e of listDir(`${admindir}/info`)) {
    if (e.isDirectory || !e.name.endsWith(".list")) continue;
    const stem = e.name.slice(0, -".list".length);
    const colon = stem.indexOf(":");
    const name = colon >= 0 ? stem.slice(0, colon) : stem;
    if (name === "") continue;
    const files = out.get(name);
    const path = `${admindir}/info/${e.name}`;
    if (files) files.push(path);
    else out.set(name, [path]);
  }
  return out;
}

/** The non-empty lines of one list file (a trailing carriage return dropped); empty when unreadable. */
export function readListFile(path: string): string[] {
  const text = readText(path);
  if (text === undefined) return [];
  const out: string[] = [];
  for (let line of text.split("\n")) {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line !== "") out.push(line);
  }
  return out;
}
