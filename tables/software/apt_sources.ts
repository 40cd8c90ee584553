/**
 * apt_sources: the APT repositories configured in /etc/apt (one-line `.list` files and deb822
 * `.sources` files), described from their downloaded Release files. As in osquery, a repository
 * whose Release file apt has not fetched yet is not reported.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { namespaceRoots } from "../../core/host/namespace_roots.ts";
import { globHost, isFile, readText, splitTrim } from "./_lib.ts";

export default registerTable(defineTable({
  name: "apt_sources",
  description: "APT repositories configured on the host, with details from their Release files.",
  columns: [
    {
      name: "name",
      type: "TEXT",
      description: "The repository: host, path and suite, e.g. deb.debian.org/debian bookworm.",
    },
    { name: "source", type: "TEXT", description: "The sources file that names the repository." },
    { name: "base_uri", type: "TEXT", description: "The repository's URI, without trailing slashes." },
    { name: "release", type: "TEXT", description: "The Codename of its Release file." },
    { name: "version", type: "TEXT", collate: "version_dpkg", description: "The Version of its Release file." },
    { name: "maintainer", type: "TEXT", description: "The Origin of its Release file." },
    { name: "components", type: "TEXT", description: "The Components its Release file lists." },
    { name: "architectures", type: "TEXT", description: "The Architectures its Release file lists." },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Read the sources of this process's mount namespace (0: the host's).",
    },
  ],
  generate(ctx) {
    const rows: Row[] = [];
    for (const view of namespaceRoots(ctx)) {
      for (const row of genAptSources(view.host)) rows.push({ ...row, pid_with_namespace: view.pid });
    }
    return rows;
  },
}));

/** A repository named by a sources file: its URI, display name and the parts of its lists file name. */
export interface AptSource {
  baseUri: string;
  name: string;
  cacheParts: string[];
}

function stripComment(line: string): string {
  const hash = line.indexOf("#");
  return hash >= 0 ? line.slice(0, hash) : line;
}

function trimSlashes(uri: string): string {
  let end = uri.length;
  while (end > 0 && uri[end - 1] === "/") end--;
  return uri.slice(0, end);
}

/** The lists-file name parts for a repository: host/path, then `dists/<suite>`, or the suite's parts when it has several. */
function cachePartsOf(name: string, suite: string): string[] {
  const suiteParts = splitTrim(suite, "/");
  // A suite ending in "/" is a flat repository ("./"): its files sit under the URI itself.
  if (suite.endsWith("/")) return [name, ...suiteParts];
  return suiteParts.length === 1 ? [name, "dists", suite] : [name, ...suiteParts];
}

/** Parses one line of a sources.list file; undefined for comments, `deb-src` and malformed lines. */
export function parseAptSourceLine(input: string): AptSource | undefined {
  // The type must be the line's first word: osquery looks for "deb " anywhere, which also
  // matches inside a deb-src line whose URI ends in "/deb".
  const first = stripComment(input).trimStart();
  if (!/^deb[ \t]/.test(first)) return undefined;
  const line = first.slice(4);
  const tokens = splitTrim(line, " \t");
  if (tokens.length < 2) return undefined;
  let offset = 0;
  if (tokens[0].startsWith("[")) {
    // Options such as [arch=amd64 signed-by=...] come before the URI.
    const close = tokens.findIndex((t) => t.includes("]"));
    offset = close < 0 ? tokens.length : close + 1;
  }
  if (offset >= tokens.length) return undefined;
  const scheme = tokens[offset].indexOf("://");
  if (scheme < 0) return undefined;
  const baseUri = trimSlashes(tokens[offset]);
  offset++;
  if (offset >= tokens.length) return undefined;
  const suite = tokens[offset];
  if (baseUri.length < scheme + 3) return undefined;
  const host = baseUri.slice(scheme + 3);
  return { baseUri, name: `${host} ${suite}`, cacheParts: cachePartsOf(host, suite) };
}

/** Parses one deb822 stanza of a `.sources` file into its repositories (URIs × suites). */
export function parseDeb822Block(block: string): AptSource[] {
  const uris: string[] = [];
  const suites: string[] = [];
  for (const raw of block.split("\n")) {
    const line = stripComment(raw);
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (value === "") continue;
    if (key === "types" && !splitTrim(value).includes("deb")) return [];
    if (key === "enabled" && value !== "on") return [];
    if (key === "uris") {
      for (const uri of splitTrim(value)) if (uri.includes("://")) uris.push(trimSlashes(uri));
    }
    if (key === "suites") suites.push(...splitTrim(value));
  }
  const out: AptSource[] = [];
  for (const uri of uris) {
    const host = uri.slice(uri.indexOf("://") + 3);
    for (const suite of suites) {
      out.push({ baseUri: uri, name: `${host} ${suite}`, cacheParts: cachePartsOf(host, suite) });
    }
  }
  return out;
}

/** The name apt gives a repository's files in its lists directory. */
export function cacheFileName(parts: string[]): string {
  return parts.join("_").replaceAll("/", "_");
}

/** Reads the interesting fields of a Release/InRelease file, stopping at its signature. */
function releaseFields(text: string): Row {
  const row: Row = {};
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line === "-----BEGIN PGP SIGNATURE-----") break;
    const fields = splitTrim(line, ":");
    if (fields.length !== 2) continue;
    const [key, value] = fields;
    if (key === "Codename") row.release = value;
    else if (key === "Version") row.version = value;
    else if (key === "Origin") row.maintainer = value;
    else if (key === "Components") row.components = value;
    else if (key === "Architectures") row.architectures = value;
  }
  return row;
}

/** The repositories `host` configures in /etc/apt, as rows (source paths as the host sees them). */
export function genAptSources(host: Host): Row[] {
  const etc = "/etc/apt";
  const lists = "/var/lib/apt/lists";
  const rows: Row[] = [];
  const emit = (source: string, apt: AptSource) => {
    const cache = globHost(host, `${lists}/${cacheFileName(apt.cacheParts)}_%Release`)
      .filter((p) => isFile(host.path(p)));
    if (cache.length === 0) return;
    const text = readText(host.path(cache[0]));
    if (text === undefined) return;
    rows.push({ source, base_uri: apt.baseUri, name: apt.name, ...releaseFields(text) });
  };
  const files = (pattern: string) => globHost(host, pattern).filter((p) => isFile(host.path(p)));
  const listFiles = [...files(`${etc}/sources.list`), ...files(`${etc}/sources.list.d/%.list`)];
  for (const file of listFiles) {
    for (const line of (readText(host.path(file)) ?? "").split("\n")) {
      if (line === "") continue;
      const apt = parseAptSourceLine(line);
      if (apt) emit(file, apt);
    }
  }
  for (const file of files(`${etc}/sources.list.d/%.sources`)) {
    for (const block of (readText(host.path(file)) ?? "").split("\n\n")) {
      if (block === "") continue;
      for (const apt of parseDeb822Block(block)) emit(file, apt);
    }
  }
  return rows;
}
