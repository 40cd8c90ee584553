/**
 * portage_keywords: Gentoo's per-package keyword, mask and unmask settings, from /etc/portage's
 * package.accept_keywords (and its older name package.keywords), package.mask and package.unmask.
 * Each may be a file or a directory of files, as Portage allows.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { isDirectory, listDir, readText, splitTrim } from "./_lib.ts";
import { splitPortageAtom } from "./portage_packages.ts";

export default registerTable(defineTable({
  name: "portage_keywords",
  description: "Per-package keyword, mask and unmask settings from Gentoo's /etc/portage.",
  columns: [
    { name: "package", type: "TEXT", description: "The package: category/name." },
    {
      name: "version",
      type: "TEXT",
      collate: "version",
      description: "The versions the line applies to (with its operator); empty: all.",
    },
    { name: "keyword", type: "TEXT", description: "The keyword accepted for the package, e.g. ~amd64." },
    { name: "mask", type: "INTEGER", description: "1 when package.mask masks the atom." },
    { name: "unmask", type: "INTEGER", description: "1 when package.unmask unmasks the atom." },
  ],
  generate(ctx) {
    const config = (name: string) => readPortageConfig(ctx.host.path(`/etc/portage/${name}`));
    return portageKeywordSummary(
      [config("package.keywords"), config("package.accept_keywords")].join("\n"),
      config("package.mask"),
      config("package.unmask"),
    );
  },
}));

/**
 * The text of a Portage configuration path: the file itself, or every file under the directory in name
 * order (hidden files and editor backups ending in `~` skipped, as Portage does).
 */
export function readPortageConfig(path: string, depth = 0): string {
  if (!isDirectory(path)) return readText(path) ?? "";
  if (depth > 8) return "";
  const parts: string[] = [];
  for (const e of listDir(path)) {
    if (e.name.startsWith(".") || e.name.endsWith("~")) continue;
    parts.push(readPortageConfig(`${path}/${e.name}`, depth + 1));
  }
  return parts.join("\n");
}

/** The atom and the words after it on each meaningful line (comments and blank lines skipped). */
function entries(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.split("\n")) {
    const words = splitTrim(line);
    if (words.length === 0 || words[0].startsWith("#")) continue;
    out.push(words);
  }
  return out;
}

interface KeywordEntry {
  package: string;
  version: string;
  keyword: string;
  mask: number;
  unmask: number;
}

/**
 * Merges the three settings per atom as written (so `=cat/pkg-1.0` and `cat/pkg` stay apart): the first
 * keyword line for an atom wins, mask and unmask lines set their flags.
 */
export function portageKeywordSummary(keywords: string, masked: string, unmasked: string): Row[] {
  const byAtom = new Map<string, KeywordEntry>();
  const entryFor = (atom: string) => {
    let e = byAtom.get(atom);
    if (!e) {
      const split = splitPortageAtom(atom);
      e = { package: split.package, version: split.version, keyword: "", mask: 0, unmask: 0 };
      byAtom.set(atom, e);
    }
    return e;
  };
  for (const words of entries(keywords)) {
    if (byAtom.has(words[0])) continue;
    // An inline comment is not a keyword: the atom then accepts the default testing keyword.
    const keyword = words[1] !== undefined && !words[1].startsWith("#") ? words[1] : "";
    entryFor(words[0]).keyword = keyword;
  }
  for (const words of entries(masked)) entryFor(words[0]).mask = 1;
  for (const words of entries(unmasked)) entryFor(words[0]).unmask = 1;
  return [...byAtom.values()].map((e) => ({ ...e }));
}
