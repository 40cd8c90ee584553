/**
 * yum_sources: the Yum/DNF repositories defined in /etc/yum.conf and the `.repo` files of its
 * repository directory (`reposdir` in yum.conf's [main], default /etc/yum.repos.d).
 *
 * @module
 */
import { defineTable, type Row, type TableSpec } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { expandPattern, IniSyntaxError, isFile, namespaceRoots, parseIni, readText } from "./_lib.ts";

const REPORTED_KEYS = ["baseurl", "enabled", "gpgcheck", "name", "gpgkey", "mirrorlist", "metalink"];

/** Where yum keeps its configuration. */
export interface YumPaths {
  /** Default /etc/yum.conf. */
  conf?: string;
  /** Used when yum.conf sets no reposdir; default /etc/yum.repos.d. */
  reposDir?: string;
}

/** Parses one yum configuration file into rows (every section but [main]) and its reposdir setting. */
export function parseYumFile(text: string, source: string): { rows: Row[]; reposDir?: string } {
  let sections;
  try {
    sections = parseIni(text);
  } catch (e) {
    // A file yum's INI grammar rejects contributes nothing, as in osquery.
    if (e instanceof IniSyntaxError) return { rows: [] };
    throw e;
  }
  const rows: Row[] = [];
  let reposDir: string | undefined;
  for (const section of sections) {
    if (section.name === "main") {
      reposDir = section.values.get("reposdir");
      continue;
    }
    const row: Row = { source };
    for (const key of REPORTED_KEYS) {
      const value = section.values.get(key);
      if (value !== undefined) row[key] = value;
    }
    rows.push(row);
  }
  return { rows, reposDir };
}

/** The repositories of one filesystem view, as rows. */
export function genYumSources(prefix: string, paths: YumPaths = {}): Row[] {
  const conf = paths.conf ?? "/etc/yum.conf";
  const rows: Row[] = [];
  let reposDir = paths.reposDir ?? "/etc/yum.repos.d";
  const confText = readText(prefix + conf);
  if (confText !== undefined) {
    const parsed = parseYumFile(confText, conf);
    rows.push(...parsed.rows);
    if (parsed.reposDir) reposDir = parsed.reposDir;
  }
  for (const file of expandPattern(`${prefix}${reposDir}/%.repo`).filter(isFile)) {
    const text = readText(file);
    if (text !== undefined) rows.push(...parseYumFile(text, file.slice(prefix.length)).rows);
  }
  return rows;
}

/** Builds the yum_sources table (tests point it at fixture files). */
export function yumSourcesTable(paths: YumPaths = {}): TableSpec {
  return defineTable({
    name: "yum_sources",
    description: "Yum and DNF repositories defined in yum.conf and the .repo files beside it.",
    columns: [
      { name: "name", type: "TEXT" },
      { name: "source", type: "TEXT" },
      { name: "baseurl", type: "TEXT" },
      { name: "mirrorlist", type: "TEXT" },
      { name: "metalink", type: "TEXT" },
      { name: "enabled", type: "TEXT" },
      { name: "gpgcheck", type: "TEXT" },
      { name: "gpgkey", type: "TEXT" },
      { name: "pid_with_namespace", type: "INTEGER", additional: true, hidden: true, linuxHidden: true },
    ],
    generate(ctx) {
      const rows: Row[] = [];
      for (const root of namespaceRoots(ctx)) {
        for (const row of genYumSources(root.prefix, paths)) rows.push({ ...row, pid_with_namespace: root.pid });
      }
      return rows;
    },
  });
}

export default registerTable(yumSourcesTable());
