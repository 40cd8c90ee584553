/**
 * firefox_addons: add-ons (extensions, themes, dictionaries, locales) of the queried users'
 * Firefox profiles, read from each profile's extensions.json.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { asObject, hostUsers, listSubdirs, readJson, usersFromContext, type UserSource } from "./_lib.ts";

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

/** The add-ons of one profile's extensions.json; none when it is missing or malformed. */
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

/** Builds the firefox_addons table (tests give it fixture users). */
export function firefoxAddonsTable(users: UserSource = hostUsers): TableSpec {
  return defineTable({
    name: "firefox_addons",
    description: "Add-ons installed in the Firefox profiles of each user.",
    columns: [
      { name: "uid", type: "BIGINT", additional: true, optimized: true },
      { name: "name", type: "TEXT" },
      { name: "identifier", type: "TEXT", index: true },
      { name: "creator", type: "TEXT" },
      { name: "type", type: "TEXT" },
      { name: "version", type: "TEXT", collate: "version" },
      { name: "description", type: "TEXT" },
      { name: "source_url", type: "TEXT" },
      { name: "visible", type: "INTEGER" },
      { name: "active", type: "INTEGER" },
      { name: "disabled", type: "INTEGER" },
      { name: "autoupdate", type: "INTEGER" },
      { name: "location", type: "TEXT" },
      { name: "path", type: "TEXT" },
    ],
    attributes: { user_data: true },
    generate(ctx) {
      const rows: Row[] = [];
      for (const user of usersFromContext(ctx, users)) {
        if (!user.directory) continue;
        for (const base of FIREFOX_PATHS) {
          const dir = `${user.directory}/${base}`;
          for (const name of listSubdirs(dir)) {
            // Crash reports and telemetry pings live beside the profiles.
            if (name.endsWith("Crash Reports") || name.endsWith("Pending Pings")) continue;
            rows.push(...readFirefoxAddons(`${dir}/${name}`, user.uid));
          }
        }
      }
      return rows;
    },
  });
}

export default registerTable(firefoxAddonsTable());
