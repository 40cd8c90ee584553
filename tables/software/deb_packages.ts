/**
 * deb_packages: the packages dpkg knows as present, read straight from its status database
 * (`<admindir>/status` plus pending journal entries in `<admindir>/updates/`).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { namespaceRoots } from "../../core/host/namespace_roots.ts";
import { isDirectory, listDir, readText } from "./_lib.ts";

export default registerTable(defineTable({
  name: "deb_packages",
  description: "Debian packages present in dpkg's database (installed, unpacked or with leftover configuration).",
  columns: [
    { name: "name", type: "TEXT", description: "The package's name." },
    {
      name: "version",
      type: "TEXT",
      collate: "version_dpkg",
      description: "The full version, epoch included when not 0.",
    },
    { name: "source", type: "TEXT", description: "The source package it was built from, when named apart." },
    { name: "size", type: "BIGINT", description: "Installed-Size as dpkg records it (KiB)." },
    { name: "arch", type: "TEXT", description: "The architecture it was built for (amd64, all...)." },
    { name: "revision", type: "TEXT", description: "The Debian revision: the version after its last hyphen." },
    {
      name: "status",
      type: "TEXT",
      description: "dpkg's want, error flag and state words, e.g. install ok installed.",
    },
    { name: "maintainer", type: "TEXT", description: "The package's maintainer." },
    { name: "section", type: "TEXT", description: "The archive section, e.g. libs." },
    { name: "priority", type: "TEXT", description: "The package's priority, e.g. optional." },
    {
      name: "admindir",
      type: "TEXT",
      additional: true,
      optimized: true,
      description: "The dpkg database directory read (default /var/lib/dpkg).",
    },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Read the database of this process's mount namespace (0: the host's).",
    },
    {
      name: "mount_namespace_id",
      type: "TEXT",
      hidden: true,
      linuxHidden: true,
      description: "The inode of the mount namespace read (empty for the host's).",
    },
  ],
  attributes: { cacheable: true },
  generate(ctx) {
    const admindirs = ctx.equals("admindir");
    if (admindirs.length === 0) admindirs.push(DEFAULT_ADMINDIR);
    const rows: Row[] = [];
    for (const view of namespaceRoots(ctx)) {
      for (const admindir of admindirs) {
        const dir = view.host.path(admindir);
        if (!isDirectory(dir)) continue;
        for (const p of readDpkgDatabase(dir) ?? []) {
          rows.push({
            name: p.name,
            version: p.version,
            source: p.source,
            size: p.size,
            arch: p.arch,
            revision: p.revision,
            status: p.status,
            maintainer: p.maintainer,
            section: p.section,
            priority: p.priority,
            admindir,
            pid_with_namespace: view.pid,
            mount_namespace_id: view.mountNamespaceId,
          });
        }
      }
    }
    return rows;
  },
}));

/** dpkg's default administrative directory. */
export const DEFAULT_ADMINDIR = "/var/lib/dpkg";

/** One package as dpkg's database describes it. */
export interface DpkgPackage {
  name: string;
  version: string;
  revision: string;
  arch: string;
  status: string;
  source: string;
  /** Installed-Size as written (KiB); "" when absent. */
  size: string;
  maintainer: string;
  section: string;
  priority: string;
}

const WANTS = new Set(["unknown", "install", "hold", "deinstall", "purge"]);
const EFLAGS = new Set(["ok", "reinstreq"]);
const STATES = new Set([
  "not-installed",
  "config-files",
  "half-installed",
  "unpacked",
  "half-configured",
  "triggers-awaited",
  "triggers-pending",
  "installed",
]);
const PRIORITIES = new Set(["required", "important", "standard", "optional", "extra"]);

/** The fields of one stanza that the table reports (raw values, trimmed). */
interface Stanza {
  package?: string;
  status?: string;
  version?: string;
  architecture?: string;
  source?: string;
  installedSize?: string;
  maintainer?: string;
  section?: string;
  priority?: string;
}

/** Parses the stanzas of a status-format file; unknown fields and continuation lines are skipped. */
export function parseStatusStanzas(text: string): Stanza[] {
  const out: Stanza[] = [];
  let cur: Stanza = {};
  let any = false;
  const n = text.length;
  let pos = 0;
  while (pos <= n) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = n;
    let lineEnd = end;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    const first = text.charCodeAt(pos);
    if (lineEnd === pos) {
      // A blank line ends the stanza.
      if (any) out.push(cur);
      cur = {};
      any = false;
    } else if (CANDIDATE_FIRST.has(first | 0x20)) {
      // Only lines whose first letter can start a reported field are examined; the rest
      // (Depends, Description, Conffiles, continuation lines, ...) are skipped unread.
      const colon = text.indexOf(":", pos);
      if (colon > pos && colon < lineEnd) {
        const field = fieldAt(text, pos, colon);
        if (field !== undefined) {
          cur[field] = text.slice(colon + 1, lineEnd).trim();
          any = true;
        }
      }
    }
    pos = end + 1;
  }
  if (any) out.push(cur);
  return out;
}

const FIELD_KEYS: Record<string, keyof Stanza> = {
  Package: "package",
  Status: "status",
  Version: "version",
  Architecture: "architecture",
  Source: "source",
  "Installed-Size": "installedSize",
  Maintainer: "maintainer",
  Section: "section",
  Priority: "priority",
};
const FIELD_KEYS_LOWER: Record<string, keyof Stanza> = Object.fromEntries(
  Object.entries(FIELD_KEYS).map(([k, v]) => [k.toLowerCase(), v]),
);
/** Lower-cased first letters of the reported fields (p, s, v, a, i, m). */
const CANDIDATE_FIRST = new Set(Object.keys(FIELD_KEYS_LOWER).map((k) => k.charCodeAt(0)));
const FIELD_LIST = Object.entries(FIELD_KEYS);

/** The reported field named by text[pos, colon), matched case-insensitively as dpkg does. */
function fieldAt(text: string, pos: number, colon: number): keyof Stanza | undefined {
  const len = colon - pos;
  for (const [name, field] of FIELD_LIST) {
    if (name.length === len && text.startsWith(name, pos)) return field;
  }
  return FIELD_KEYS_LOWER[text.slice(pos, colon).toLowerCase()];
}

/**
 * Splits a Debian version into dpkg's unambiguous rendering and its revision: the epoch is
 * kept when non-zero, the revision is what follows the last hyphen. Undefined when malformed.
 */
export function splitDebianVersion(raw: string): { version: string; revision: string } | undefined {
  const v = raw.trim();
  if (v === "" || v.includes(" ") || v.includes("\t")) return undefined;
  let epoch = 0;
  let rest = v;
  const colon = v.indexOf(":");
  if (colon >= 0) {
    const e = v.slice(0, colon);
    if (!/^\d+$/.test(e)) return undefined;
    epoch = Number(e);
    rest = v.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf("-");
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : "";
  if (upstream === "") return undefined;
  const showEpoch = epoch !== 0 || upstream.includes(":") || revision.includes(":");
  const version = (showEpoch ? `${epoch}:` : "") + upstream + (revision !== "" ? `-${revision}` : "");
  return { version, revision };
}

const statusCache = new Map<string, string | null>();

/** "want eflag state" in dpkg's spelling; undefined when malformed or not installed. Few distinct values: cached. */
function normalizedStatus(raw: string): string | undefined {
  let cached = statusCache.get(raw);
  if (cached === undefined) {
    cached = null;
    const words = raw.split(/\s+/);
    if (words.length === 3) {
      const [want, eflag, state] = words.map((w) => w.toLowerCase());
      if (WANTS.has(want) && EFLAGS.has(eflag) && STATES.has(state) && state !== "not-installed") {
        cached = `${want} ${eflag} ${state}`;
      }
    }
    if (statusCache.size < 256) statusCache.set(raw, cached);
  }
  return cached ?? undefined;
}

/** A stanza as a package, or undefined when dpkg would not list it (not installed, malformed). */
function toPackage(s: Stanza): DpkgPackage | undefined {
  if (!s.package || s.status === undefined) return undefined;
  const status = normalizedStatus(s.status);
  if (status === undefined) return undefined;
  let version = "";
  let revision = "";
  if (s.version !== undefined && s.version !== "") {
    const parsed = splitDebianVersion(s.version);
    if (!parsed) return undefined;
    ({ version, revision } = parsed);
  }
  let priority = "unknown";
  if (s.priority) {
    const p = s.priority.toLowerCase();
    priority = PRIORITIES.has(p) ? p : s.priority;
  }
  return {
    name: s.package,
    version,
    revision,
    arch: s.architecture ?? "",
    status,
    source: s.source ?? "",
    size: s.installedSize ?? "",
    maintainer: s.maintainer ?? "",
    section: s.section ?? "",
    priority,
  };
}

/**
 * Reads the packages of a dpkg admindir: the status file, then the journal in `updates/` (entries
 * dpkg wrote but has not yet folded into status), later entries replacing earlier ones per
 * package and architecture. Returns undefined when the directory is not a dpkg database.
 */
export function readDpkgDatabase(admindir: string): DpkgPackage[] | undefined {
  const status = readText(`${admindir}/status`);
  if (status === undefined) return undefined;
  const stanzas = parseStatusStanzas(status);
  const updates = listDir(`${admindir}/updates`).filter((e) => e.isFile && /^\d+$/.test(e.name));
  if (updates.length === 0) {
    const out: DpkgPackage[] = [];
    for (const s of stanzas) {
      const p = toPackage(s);
      if (p) out.push(p);
    }
    return out;
  }
  const byKey = new Map<string, Stanza>();
  const keyOf = (s: Stanza) => `${s.package}\0${s.architecture ?? ""}`;
  for (const s of stanzas) if (s.package) byKey.set(keyOf(s), s);
  for (const u of updates.sort((a, b) => Number(a.name) - Number(b.name))) {
    for (const s of parseStatusStanzas(readText(`${admindir}/updates/${u.name}`) ?? "")) {
      if (s.package) byKey.set(keyOf(s), s);
    }
  }
  const out: DpkgPackage[] = [];
  for (const s of byKey.values()) {
    const p = toPackage(s);
    if (p) out.push(p);
  }
  return out;
}
