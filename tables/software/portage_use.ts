/**
 * portage_use: the USE flags each installed Gentoo package was built with, one row per flag, read from
 * the USE file in its /var/db/pkg/<category>/<package>-<version> directory.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { isDirectory, listSubdirs, readText } from "./_lib.ts";
import { splitPortageAtom } from "./portage_packages.ts";

export default registerTable(defineTable({
  name: "portage_use",
  description: "USE flags enabled for each installed Gentoo package.",
  columns: [
    { name: "package", type: "TEXT", description: "The package: category/name." },
    { name: "version", type: "TEXT", collate: "version", description: "The installed version." },
    { name: "use", type: "TEXT", description: "A USE flag the package was built with." },
  ],
  generate(ctx) {
    return genPortageUse(ctx.host.path("/var/db/pkg"));
  },
}));

/** The rows for the package database at `pkgDir`; none when it is missing. Packages without a USE file add nothing. */
export function genPortageUse(pkgDir: string): Row[] {
  if (!isDirectory(pkgDir)) return [];
  const rows: Row[] = [];
  const visible = (names: string[]) => names.filter((n) => !n.startsWith("."));
  for (const category of visible(listSubdirs(pkgDir))) {
    for (const entry of visible(listSubdirs(`${pkgDir}/${category}`))) {
      const use = readText(`${pkgDir}/${category}/${entry}/USE`);
      if (use === undefined) continue;
      const atom = splitPortageAtom(`${category}/${entry}`);
      for (const flag of use.split(/\s+/)) {
        if (flag !== "") rows.push({ package: atom.package, version: atom.version, use: flag });
      }
    }
  }
  return rows;
}
