/**
 * yum_sources: the Yum/DNF repositories defined in /etc/yum.conf and the `.repo` files of its
 * repository directory (`reposdir` in yum.conf's [main], default /etc/yum.repos.d).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { namespaceRoots } from "../../core/host/namespace_roots.ts";
import { globHost, IniSyntaxError, isFile, parseIni, readText } from "./_lib.ts";

export default registerTable(defineTable({
  name: "yum_sources",
  description: "Yum and DNF repositories defined in yum.conf and the .repo files beside it.",
  columns: [
    { name: "name", type: "TEXT", description: "The repository's display name." },
    { name: "source", type: "TEXT", description: "The file that defines the repository." },
    { name: "baseurl", type: "TEXT", description: "The URLs packages are fetched from." },
    { name: "mirrorlist", type: "TEXT", description: "The URL of a list of mirrors." },
    { name: "metalink", type: "TEXT", description: "The URL of a metalink document naming mirrors." },
    { name: "enabled", type: "TEXT", description: "The enabled setting as written (1: in use)." },
    { name: "gpgcheck", type: "TEXT", description: "The gpgcheck setting as written (1: signatures checked)." },
    { name: "gpgkey", type: "TEXT", description: "The URLs of the keys packages are checked with." },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Read the configuration of this process's mount namespace (0: the host's).",
    },
  ],
  generate(ctx) {
    const rows: Row[] = [];
    for (const view of namespaceRoots(ctx)) {
      for (const row of genYumSources(view.host)) rows.push({ ...row, pid_with_namespace: view.pid });
    }
    return rows;
  },
}));

const REPORTED_KEYS = ["baseurl", "enabled", "gpgcheck", "name", "gpgkey", "mirrorlist", "metalink"];

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

/** The repositories `host` defines in /etc/yum.conf and its reposdir, as rows. */
export function genYumSources(host: Host): Row[] {
  const conf = "/etc/yum.conf";
  const rows: Row[] = [];
  let reposDir = "/etc/yum.repos.d";
  const confText = readText(host.path(conf));
  if (confText !== undefined) {
    const parsed = parseYumFile(confText, conf);
    rows.push(...parsed.rows);
    if (parsed.reposDir) reposDir = parsed.reposDir;
  }
  for (const file of globHost(host, `${reposDir}/%.repo`)) {
    if (!isFile(host.path(file))) continue;
    const text = readText(host.path(file));
    if (text !== undefined) rows.push(...parseYumFile(text, file).rows);
  }
  return rows;
}
