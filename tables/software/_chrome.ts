/**
 * Chromium-family browser profiles and their extensions, shared by chrome_extensions and
 * chrome_extension_content_scripts. For each user, each browser's data directory is either a
 * profile itself or holds profiles (directories with Preferences / Secure Preferences). An
 * extension is every `Extensions/<id>/<version>/manifest.json` of the profile plus every path the
 * preferences' `extensions.settings` name; the latter are "referenced" and carry the profile's
 * settings (state, install time, web-store origin).
 *
 * Chromium reads manifest and preference keys case-insensitively (osquery uses a case-insensitive
 * tree); lookups here do the same.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { PasswdEntry } from "../../core/host/accounts.ts";
import type { Host } from "../../core/host/host.ts";
import { asObject, exists, isFile, listSubdirs, readBytes, readText } from "./_lib.ts";

/** Browser data directories under a Linux home, with osquery's browser_type names. */
export const CHROME_PATHS: [string, string][] = [
  ["chrome", ".config/google-chrome"],
  ["chrome_beta", ".config/google-chrome-beta"],
  ["chrome_dev", ".config/google-chrome-unstable"],
  ["brave", ".config/BraveSoftware/Brave-Browser"],
  ["brave", ".var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser"],
  ["brave_beta", ".config/BraveSoftware/Brave-Browser-Beta"],
  ["brave_beta", ".var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser-Beta"],
  ["brave_nightly", ".config/BraveSoftware/Brave-Browser-Nightly"],
  ["brave_nightly", ".var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser-Nightly"],
  ["chromium", ".config/chromium"],
  ["chromium", "snap/chromium/common/chromium"],
  ["chromium", ".var/app/org.chromium.Chromium/config/chromium"],
  ["yandex", ".config/yandex-browser-beta"],
  ["edge", ".config/microsoft-edge"],
  ["edge_beta", ".config/microsoft-edge-beta"],
  ["edge_dev", ".config/microsoft-edge-dev"],
  ["opera", ".config/opera"],
  ["vivaldi", ".config/vivaldi"],
  ["vivaldi", ".var/app/com.vivaldi.Vivaldi/config/vivaldi"],
];

const PREFERENCE_FILES = ["Preferences", "Secure Preferences"];
const MSG_PREFIX = "__MSG_";

/** A content script entry: one script for one match pattern. */
export interface ContentScript {
  script: string;
  match: string;
}

/** One extension of a profile. */
export interface ChromeExtension {
  path: string;
  referenced: boolean;
  /** Raw manifest bytes (for the hash). */
  manifestBytes: Uint8Array;
  /** The parsed manifest. */
  manifest: Record<string, unknown>;
  /** Manifest properties, localized where they name a message. */
  properties: Map<string, string>;
  /** From the profile's preferences (referenced extensions only). */
  settings: Map<string, string>;
  contentScripts: ContentScript[];
}

/** One browser profile. */
export interface ChromeProfile {
  browserType: string;
  uid: number;
  path: string;
  name: string;
  extensions: ChromeExtension[];
}

/** The value of `key` in `obj`, matched case-insensitively (an exact match wins). */
export function getI(obj: Record<string, unknown> | undefined, key: string): unknown {
  if (!obj) return undefined;
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/** A dotted path (`background.persistent`) looked up case-insensitively. */
function getPathI(obj: Record<string, unknown> | undefined, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    cur = getI(asObject(cur), part);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** A scalar as the text osquery's property tree yields (strings as is, numbers and booleans printed). */
function scalarText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (v === null) return "null";
  return undefined;
}

function realPath(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}

function parseJsonText(text: string): Record<string, unknown> | undefined {
  try {
    return asObject(JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text));
  } catch {
    return undefined;
  }
}

function hasPreferences(dir: string): boolean {
  return PREFERENCE_FILES.some((f) => isFile(`${dir}/${f}`));
}

/** Profile directories of one user: [browser type, path]. */
export function profilePaths(home: string): [string, string][] {
  const out: [string, string][] = [];
  for (const [type, suffix] of CHROME_PATHS) {
    // Most users have few of the browsers looked for: a missing one costs one access(2), not a
    // caught NotFound (Deno builds each with its stack; ~5x this table's time before).
    if (!exists(`${home}/${suffix}`)) continue;
    const base = realPath(`${home}/${suffix}`);
    if (hasPreferences(base)) {
      out.push([type, base]);
      continue;
    }
    for (const sub of listSubdirs(base)) {
      const dir = realPath(`${base}/${sub}`);
      if (hasPreferences(dir)) out.push([type, dir]);
    }
  }
  return out;
}

/** The `extensions.settings` (or Opera's `opsettings`) object of a preferences document. */
function extensionSettings(prefs: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const ext = asObject(getI(prefs, "extensions"));
  return asObject(getI(ext, "settings")) ?? asObject(getI(ext, "opsettings"));
}

/** Absolute, canonical extension path named by a settings entry (an absolute one under `root`). */
function settingsPath(profile: string, entry: unknown, root: string): string | undefined {
  const p = getI(asObject(entry), "path");
  if (typeof p !== "string") return undefined;
  return realPath(p.startsWith("/") ? root + p : `${profile}/Extensions/${p}`);
}

/** The identifier Chromium derives from a manifest `key`: sha256 of the key, first 16 bytes as a-p letters. */
export function extensionIdFromKey(key: string): string | undefined {
  let der: Uint8Array;
  try {
    der = Uint8Array.from(atob(key.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
  if (der.length === 0) return undefined;
  const hex = createHash("sha256").update(der).digest("hex").slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join("");
}

/** Manifest properties reported as text, and string lists joined with ", ". */
function manifestProperties(manifest: Record<string, unknown>): Map<string, string> {
  const props = new Map<string, string>();
  for (
    const [path, name] of [
      ["name", "name"],
      ["update_url", "update_url"],
      ["version", "version"],
      ["author", "author"],
      ["default_locale", "default_locale"],
      ["current_locale", "current_locale"],
      ["background.persistent", "persistent"],
      ["description", "description"],
      ["key", "key"],
    ]
  ) {
    const v = scalarText(getPathI(manifest, path));
    if (v !== undefined) props.set(name, v);
  }
  // Manifest v3 lets `author` be an object ({"email": ...}); report its first scalar.
  if (!props.has("author")) {
    const author = asObject(getI(manifest, "author"));
    const first = author && Object.values(author).map(scalarText).find((v) => v !== undefined);
    if (first !== undefined) props.set("author", first);
  }
  for (const name of ["permissions", "optional_permissions"]) {
    const node = getI(manifest, name);
    if (node === undefined) continue;
    const items = Array.isArray(node) ? node : Object.values(asObject(node) ?? {});
    props.set(name, items.map(scalarText).filter((v): v is string => v !== undefined).join(", "));
    props.set(`${name}_json`, JSON.stringify(node));
  }
  return props;
}

/** Replaces `__MSG_name__` values with the messages of the extension's default locale. */
function localize(path: string, props: Map<string, string>): void {
  if (![...props.values()].some((v) => v.startsWith(MSG_PREFIX))) return;
  const locale = props.get("default_locale") ?? props.get("current_locale") ?? "en";
  const text = readText(`${path}/_locales/${locale}/messages.json`);
  const messages = text === undefined ? undefined : parseJsonText(text);
  if (!messages) return;
  for (const [k, v] of props) {
    if (!v.startsWith(MSG_PREFIX)) continue;
    const name = v.slice(MSG_PREFIX.length, v.endsWith("__") ? -2 : undefined);
    const message = scalarText(getI(asObject(getI(messages, name)), "message"));
    if (message !== undefined) props.set(k, message);
  }
}

/** Content scripts: each `js` file of each entry, once per `matches` pattern. */
function contentScripts(manifest: Record<string, unknown>): ContentScript[] {
  const out: ContentScript[] = [];
  const entries = getI(manifest, "content_scripts");
  if (!Array.isArray(entries)) return out;
  for (const e of entries) {
    const entry = asObject(e);
    const matches = getI(entry, "matches");
    const js = getI(entry, "js");
    if (!Array.isArray(matches) || !Array.isArray(js)) continue;
    for (const m of matches) {
      if (typeof m !== "string") continue;
      for (const s of js) if (typeof s === "string") out.push({ script: s, match: m });
    }
  }
  return out;
}

/** Reads one extension directory; undefined when its manifest is missing or not a JSON object. */
function readExtension(path: string, referenced: boolean): ChromeExtension | undefined {
  const manifestBytes = readBytes(`${path}/manifest.json`);
  if (!manifestBytes) return undefined;
  const manifest = parseJsonText(new TextDecoder().decode(manifestBytes));
  if (!manifest) return undefined;
  const properties = manifestProperties(manifest);
  localize(path, properties);
  return {
    path,
    referenced,
    manifestBytes,
    manifest,
    properties,
    settings: new Map(),
    contentScripts: contentScripts(manifest),
  };
}

/** The profile settings osquery reports for a referenced extension. */
function profileSettings(id: string, entry: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>([["referenced_identifier", id]]);
  for (const key of ["from_webstore", "state", "install_time"]) {
    const v = scalarText(getI(entry, key));
    if (v !== undefined) out.set(key, v);
  }
  return out;
}

/**
 * Reads one profile (`path` as this machine reads it, under `root`); undefined when its
 * preferences cannot be parsed or it has no name (Opera excepted).
 */
export function readProfile(browserType: string, uid: number, path: string, root = ""): ChromeProfile | undefined {
  const prefsList: Record<string, unknown>[] = [];
  for (const file of PREFERENCE_FILES) {
    const text = readText(`${path}/${file}`);
    if (text === undefined || text.trim() === "") continue;
    const parsed = parseJsonText(text);
    if (!parsed) return undefined; // A broken preferences file: the profile is skipped, as in osquery.
    prefsList.push(parsed);
  }
  if (prefsList.length === 0) return undefined;
  let name = "";
  for (const prefs of prefsList) {
    const n = scalarText(getI(asObject(getI(prefs, "profile")), "name"));
    if (n) {
      name = n;
      break;
    }
  }
  if (name === "" && browserType !== "opera") return undefined;

  // Referenced paths, with the settings entry that names them (first preferences file wins).
  const referenced = new Map<string, [string, Record<string, unknown>]>();
  for (const prefs of prefsList) {
    for (const [id, entry] of Object.entries(extensionSettings(prefs) ?? {})) {
      const p = settingsPath(path, entry, root);
      if (p !== undefined && !referenced.has(p)) referenced.set(p, [id, asObject(entry)!]);
    }
  }
  const extensions: ChromeExtension[] = [];
  const seen = new Set<string>();
  for (const id of listSubdirs(`${path}/Extensions`)) {
    for (const version of listSubdirs(`${path}/Extensions/${id}`)) {
      const extPath = realPath(`${path}/Extensions/${id}/${version}`);
      if (referenced.has(extPath) || seen.has(extPath)) continue;
      seen.add(extPath);
      const ext = readExtension(extPath, false);
      if (ext) extensions.push(ext);
    }
  }
  for (const [extPath, [id, entry]] of referenced) {
    const ext = readExtension(extPath, true);
    if (!ext) continue;
    ext.settings = profileSettings(id, entry);
    extensions.push(ext);
  }
  return { browserType, uid, path, name, extensions };
}

/**
 * Every readable profile of the given users of `host`, with profile and extension paths as the
 * host sees them.
 */
export function chromeProfiles(host: Host, users: PasswdEntry[]): ChromeProfile[] {
  const root = host.path("/").replace(/\/+$/, "");
  // Canonical paths come back under the root's own canonical path; rows report them as the host
  // sees them.
  const real = root === "" ? "" : realPath(root);
  const seen = (path: string) => real !== "" && path.startsWith(`${real}/`) ? path.slice(real.length) : path;
  const out: ChromeProfile[] = [];
  for (const user of users) {
    for (const [type, path] of profilePaths(host.path(user.directory))) {
      const profile = readProfile(type, user.uid, path, root);
      if (!profile) continue;
      profile.path = seen(profile.path);
      for (const ext of profile.extensions) ext.path = seen(ext.path);
      out.push(profile);
    }
  }
  return out;
}

/** The computed identifier of an extension ("" when its manifest has no usable key). */
export function computedIdentifier(ext: ChromeExtension): string {
  const key = ext.properties.get("key");
  return key === undefined ? "" : extensionIdFromKey(key) ?? "";
}

/** Chrome's install time (microseconds since 1601) as Unix seconds; 0 when absent or invalid. */
export function webkitToUnix(value: string | undefined): number {
  if (value === undefined || !/^-?\d+$/.test(value.trim())) return 0;
  const seconds = Math.trunc(Number(BigInt(value.trim()) / 1000000n)) - 11644473600;
  return seconds < 0 ? 0 : seconds;
}

/** SHA-256 of the raw manifest, in lowercase hex. */
export function manifestHash(ext: ChromeExtension): string {
  return createHash("sha256").update(ext.manifestBytes).digest("hex");
}
