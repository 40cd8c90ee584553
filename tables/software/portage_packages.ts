/**
 * portage_packages: Gentoo packages installed by Portage, one directory per package version in
 * /var/db/pkg/<category>/<package>-<version>, flagged when listed in the world file.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { isDirectory, listSubdirs, readText, splitTrim } from "./_lib.ts";

export default registerTable(defineTable({
  name: "portage_packages",
  description: "Gentoo packages installed by Portage, with slot, build time, repository and world membership.",
  columns: [
    { name: "package", type: "TEXT", description: "The package: category/name." },
    { name: "version", type: "TEXT", collate: "version", description: "The installed version." },
    { name: "slot", type: "TEXT", description: "The slot the package is installed in." },
    { name: "build_time", type: "BIGINT", description: "When the package was built, in seconds since 1970." },
    { name: "repository", type: "TEXT", description: "The repository whose ebuild built it." },
    { name: "eapi", type: "BIGINT", description: "The EAPI of that ebuild." },
    { name: "size", type: "BIGINT", description: "The installed size, in bytes." },
    {
      name: "world",
      type: "INTEGER",
      description: "1 when the package is in the world file (asked for by name), else 0.",
    },
  ],
  generate(ctx) {
    return genPortagePackages(ctx.host);
  },
}));

/**
 * Splits a Portage atom such as `>=dev-lang/python-3.11.4-r1` into package and version. Leading
 * comparison operators are kept on the version (a lone leading `=` is dropped); the version starts
 * at the last hyphen followed by a digit (or the one before, for `-r<N>` revisions).
 */
export function splitPortageAtom(atom: string): { package: string; version: string } {
  let s = atom.endsWith("/") ? atom.slice(0, -1) : atom;
  let version = "";
  while (s.startsWith(">") || s.startsWith("<") || s.startsWith("=")) {
    if (!(version === "" && s[0] === "=")) version += s[0];
    s = s.slice(1);
  }
  const divider = s.indexOf("/");
  const versionAt = (pos: number) => pos >= 0 && pos > divider && pos < s.length - 1 && /[0-9]/.test(s[pos + 1]);
  let pos = s.lastIndexOf("-");
  if (versionAt(pos)) {
    version += s.slice(pos + 1);
    s = s.slice(0, pos);
  } else if (pos > 0) {
    pos = s.lastIndexOf("-", pos - 1);
    if (versionAt(pos)) {
      version += s.slice(pos + 1);
      s = s.slice(0, pos);
    }
  }
  return { package: s, version };
}

function trimmedFile(path: string): string | undefined {
  const t = readText(path);
  return t === undefined ? undefined : t.trim();
}

/** The packages installed on `host`, as rows; none when the database or the world file is missing (as osquery). */
export function genPortagePackages(host: Host): Row[] {
  const pkgDir = host.path("/var/db/pkg");
  const worldText = readText(host.path("/var/lib/portage/world"));
  if (!isDirectory(pkgDir) || worldText === undefined) return [];
  const world = new Set<string>();
  for (const line of worldText.split("\n")) {
    const words = splitTrim(line);
    if (words.length === 0 || words[0].startsWith("#")) continue;
    world.add(splitPortageAtom(words[0]).package);
  }
  const rows: Row[] = [];
  const visible = (names: string[]) => names.filter((n) => !n.startsWith("."));
  for (const category of visible(listSubdirs(pkgDir))) {
    for (const entry of visible(listSubdirs(`${pkgDir}/${category}`))) {
      const dir = `${pkgDir}/${category}/${entry}`;
      const atom = splitPortageAtom(`${category}/${entry}`);
      rows.push({
        package: atom.package,
        version: atom.version,
        slot: trimmedFile(`${dir}/SLOT`),
        build_time: trimmedFile(`${dir}/BUILD_TIME`),
        repository: trimmedFile(`${dir}/repository`),
        eapi: trimmedFile(`${dir}/EAPI`),
        size: trimmedFile(`${dir}/SIZE`),
        world: world.has(atom.package) ? 1 : 0,
      });
    }
  }
  return rows;
}
