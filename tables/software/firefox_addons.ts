/**
 * firefox_addons: add-ons (extensions, themes, dictionaries, locales) of the queried users'
 * Firefox profiles, read from each profile's extensions.json.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { usersFromContext } from "../../core/host/per_user.ts";
import { asObject, listSubdirs, readJson } from "./_lib.ts";

export default registerTable(defineTable({
  name: "firefox_addons",
  description: "Add-ons installed in the Firefox profiles of each user.",
  columns: [
    {
      name: "uid",
      type: "BIGINT",
      additional: true,
      optimized: true,
      description: "The user whose Firefox profile holds the add-on.",
    },
    { name: "name", type: "TEXT", description: "The add-on's name in its default locale." },
    { name: "identifier", type: "TEXT", index: true, description: "The add-on's id, e.g. uBlock0@raymondhill.net." },
    { name: "creator", type: "TEXT", description: "Its author, as the add-on names it." },
    { name: "type", type: "TEXT", description: "The kind of add-on: extension, theme, dictionary, locale..." },
    { name: "version", type: "TEXT", collate: "version", description: "The add-on's version." },
    { name: "description", type: "TEXT", description: "The add-on's description in its default locale." },
    { name: "source_url", type: "TEXT", description: "Where the add-on was installed from." },
    { name: "visible", type: "INTEGER", description: "1 when Firefox shows the add-on, else 0." },
    { name: "active", type: "INTEGER", description: "1 when the add-on is running, else 0." },
    {
      name: "disabled",
      type: "INTEGER",
      description: "1 when the user, the application or a soft block disabled it, else 0.",
    },
    { name: "autoupdate", type: "INTEGER", description: "1 when Firefox updates it in the background, else 0." },
    { name: "location", type: "TEXT", description: "The install location Firefox records, e.g. app-profile." },
    { name: "path", type: "TEXT", description: "The add-on's file or directory." },
  ],
  attributes: { user_data: true },
  generate(ctx) {
    const rows: Row[] = [];
    for (const user of usersFromContext(ctx)) {
      for (const base of FIREFOX_PATHS) {
        const dir = `${user.directory}/${base}`;
        for (const name of listSubdirs(ctx.host.path(dir))) {
          // Crash reports and telemetry pings live beside the profiles.
          if (name.endsWith("Crash Reports") || name.endsWith("Pending Pings")) continue;
          rows.push(...readFirefoxAddons(ctx.host.path(`${dir}/${name}`), user.uid));
        }
      }
    }
    return rows;
  },
}));

/** Where Firefox keeps profiles under a Linux home (classic, snap, and XDG since Firefox 147). */
export const FIREFOX_PATHS = [".mozilla/firefox", "snap/firefox/common/.mozilla/firefox", ".config/mozilla/firefox"];

/** Add-on fields: JSON path → column. */
const ADDON_KEYS: [string, string][] = [
  ["defaultLocale.name", "name"],
  ["id", "identifier"],
  ["type", "type"],
  ["version", "version"],
  ["defaultLocale.creator", "creator"],
  ["defaultLocale.description", "description"],
  ["sourceURI", "source_url"],
  ["visible", "visible"],
  ["active", "active"],
  ["applyBackgroundUpdates", "autoupdate"],
  ["location", "location"],
  ["path", "path"],
];

/** A JSON scalar as osquery renders it: booleans as 1/0, numbers printed; null and containers as NULL. */
function scalar(v: unknown): string | number | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  return undefined;
}

function truthy(v: unknown): boolean {
  if (typeof v === "boolean") return v;
  if (typeof v === "string") return v.toLowerCase() === "true" || v.toLowerCase() === "t";
  if (typeof v === "number") return v !== 0;
  return false;
}

/** The add-ons of one profile's extensions.json (`profile` as this machine reads it); none when it is missing or malformed. */
export function readFirefoxAddons(profile: string, uid: number): Row[] {
  const doc = asObject(readJson(`${profile}/extensions.json`));
  const addons = doc?.addons;
  if (!Array.isArray(addons)) return [];
  const rows: Row[] = [];
  for (const a of addons) {
    const addon = asObject(a);
    if (!addon) continue;
    const row: Row = { uid };
    for (const [path, column] of ADDON_KEYS) {
      let cur: unknown = addon;
      for (const part of path.split(".")) cur = asObject(cur)?.[part];
      const v = scalar(cur);
      if (v !== undefined) row[column] = v;
    }
    row.disabled = truthy(addon.softDisable) || truthy(addon.appDisabled) || truthy(addon.userDisabled) ? 1 : 0;
    rows.push(row);
  }
  return rows;
}
