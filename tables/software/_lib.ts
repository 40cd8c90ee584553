/**
 * Helpers shared by the software tables: JSON reading (a missing or unreadable file is "nothing
 * here", never an exception), osquery's `%` path patterns over a host, and small parsers (deb822
 * stanzas, INI files). File reading, directory listing, globbing, which users a per-user table
 * reads and the `pid_with_namespace` views are the host readers of `core/host/`.
 *
 * @module
 */
import type { Host } from "../../core/host/host.ts";
import { exists, isDirectory, isFile, listDir, readBytes, readText } from "../../core/host/files.ts";
import { glob } from "../../core/host/glob.ts";
import { splitTrim } from "../../core/host/text.ts";

export { exists, isDirectory, isFile, listDir, readBytes, readText, splitTrim };

/** Parses a JSON file; undefined when it is missing or not valid JSON. */
export function readJson(path: string): unknown {
  const text = readText(path);
  if (text === undefined) return undefined;
  try {
    // A UTF-8 byte order mark is common in hand-edited manifests.
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return undefined;
  }
}

/** A plain JSON object, or undefined for anything else (arrays, scalars, null). */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

/** A JSON value rendered as text the way osquery's property-tree reads do: strings as is, numbers and booleans printed. */
export function jsonText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

/** `dir` with one trailing slash, as glob(3) with GLOB_MARK reports a directory. */
export function markDirectory(dir: string): string {
  return dir.endsWith("/") ? dir : `${dir}/`;
}

/** Names of the subdirectories of `path` (symlinks to directories included), sorted. */
export function listSubdirs(path: string): string[] {
  const out: string[] = [];
  for (const e of listDir(path)) {
    if (e.isDirectory || (e.isSymlink && isDirectory(`${path}/${e.name}`))) out.push(e.name);
  }
  return out;
}

/** Escapes glob(3)'s special characters so a literal path matches only itself. */
function escapeGlob(text: string): string {
  return text.replace(/[\\*?[\]{}]/g, "\\$&");
}

/**
 * The paths of `host` matching an osquery path pattern, where `%` matches any run of characters
 * within one path component, as osquery's resolveFilePattern turns it into glob(3)'s `*` (names
 * starting with a dot are matched only where the pattern spells the dot). Paths come back as the
 * host sees them (its root removed), sorted, without glob's trailing slash on directories.
 */
export function globHost(host: Host, pattern: string): string[] {
  const root = host.path("/").replace(/\/+$/, "");
  const out: string[] = [];
  for (const found of glob(escapeGlob(root) + pattern.split("%").map(escapeGlob).join("*"))) {
    const path = found.length > 1 && found.endsWith("/") ? found.slice(0, -1) : found;
    out.push(root === "" ? path : path.slice(root.length));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parsers

/** One section of an INI file: its name and its keys in order. */
export interface IniSection {
  name: string;
  values: Map<string, string>;
}

/** Raised by {@linkcode parseIni} on input the INI grammar rejects (the caller skips the file). */
export class IniSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IniSyntaxError";
  }
}

/**
 * Parses an INI file as boost's property-tree reader does: `[section]` headers, `key = value`
 * lines (trimmed), `;` and `#` comment lines, and (as yum reads them) indented continuation lines
 * appended to the previous value. A duplicate section or a duplicate key within a section, or a
 * line that is none of these, rejects the file.
 */
export function parseIni(text: string): IniSection[] {
  const sections: IniSection[] = [];
  const names = new Set<string>();
  let current: IniSection | undefined;
  const topLevel: IniSection = { name: "", values: new Map() };
  let lineNo = 0;
  let lastKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    lineNo++;
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#")) continue;
    const target = current ?? topLevel;
    if ((raw[0] === " " || raw[0] === "\t") && lastKey !== undefined) {
      // An indented line continues the previous value (yum writes long gpgkey/baseurl lists so).
      target.values.set(lastKey, `${target.values.get(lastKey)} ${line}`.trim());
      continue;
    }
    lastKey = undefined;
    if (line.startsWith("[")) {
      const end = line.indexOf("]");
      if (end < 0) throw new IniSyntaxError(`line ${lineNo}: unmatched '['`);
      const name = line.slice(1, end).trim();
      if (names.has(name)) throw new IniSyntaxError(`line ${lineNo}: duplicate section name`);
      names.add(name);
      current = { name, values: new Map() };
      sections.push(current);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0) throw new IniSyntaxError(`line ${lineNo}: '=' character not found`);
    const key = line.slice(0, eq).trim();
    if (key === "") throw new IniSyntaxError(`line ${lineNo}: key expected`);
    if (target.values.has(key)) throw new IniSyntaxError(`line ${lineNo}: duplicate key name`);
    target.values.set(key, line.slice(eq + 1).trim());
    lastKey = key;
  }
  return sections;
}

/**
 * Splits deb822 text (dpkg status, apt Release, .sources files) into stanzas of fields. Field
 * names keep their case; continuation lines are appended to the previous field after a newline.
 * Lines that are not fields are ignored.
 */
export function parseDeb822(text: string): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split("\n")) {
    const l = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (l.trim() === "") {
      if (current.size) out.push(current);
      current = new Map();
      last = undefined;
      continue;
    }
    if (l[0] === " " || l[0] === "\t") {
      if (last !== undefined) current.set(last, `${current.get(last)}\n${l.trim()}`);
      continue;
    }
    const colon = l.indexOf(":");
    if (colon <= 0) continue;
    last = l.slice(0, colon);
    current.set(last, l.slice(colon + 1).trim());
  }
  if (current.size) out.push(current);
  return out;
}
