/**
 * chrome_extensions: extensions of Chromium-family browsers (Chrome, Chromium, Brave, Edge,
 * Opera, Vivaldi, Yandex) in the profiles of the queried users.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { usersFromContext } from "../../core/host/per_user.ts";
import { chromeProfiles, computedIdentifier, manifestHash, webkitToUnix } from "./_chrome.ts";

export default registerTable(defineTable({
  name: "chrome_extensions",
  description: "Extensions installed in Chromium-family browser profiles, per user.",
  columns: [
    {
      name: "browser_type",
      type: "TEXT",
      description:
        "Which browser: chrome, chromium, brave, edge, opera, vivaldi, yandex... (with _beta/_dev variants).",
    },
    {
      name: "uid",
      type: "BIGINT",
      index: true,
      optimized: true,
      description: "The user whose profile holds the extension.",
    },
    { name: "name", type: "TEXT", description: "The extension's name, localized when the manifest names a message." },
    { name: "profile", type: "TEXT", description: "The profile's display name." },
    { name: "profile_path", type: "TEXT", description: "The profile's directory." },
    {
      name: "referenced_identifier",
      type: "TEXT",
      description: "The id the profile's preferences give the extension (empty when they do not name it).",
    },
    {
      name: "identifier",
      type: "TEXT",
      description: "The id Chromium derives from the manifest's key (empty without one).",
    },
    { name: "version", type: "TEXT", collate: "version", description: "The extension's version." },
    { name: "description", type: "TEXT", description: "The extension's description, localized." },
    { name: "default_locale", type: "TEXT", aliases: ["locale"], description: "The manifest's default locale." },
    { name: "current_locale", type: "TEXT", description: "The manifest's current locale." },
    { name: "update_url", type: "TEXT", description: "Where the browser looks for updates." },
    { name: "author", type: "TEXT", description: "The extension's author." },
    { name: "persistent", type: "INTEGER", description: "1 when its background page stays loaded, else 0." },
    { name: "path", type: "TEXT", description: "The extension's directory." },
    { name: "permissions", type: "TEXT", description: "The permissions it asks for, comma-separated." },
    {
      name: "permissions_json",
      type: "TEXT",
      hidden: true,
      linuxHidden: true,
      description: "The permissions it asks for, as the manifest's JSON.",
    },
    {
      name: "optional_permissions",
      type: "TEXT",
      description: "The permissions it may ask for later, comma-separated.",
    },
    {
      name: "optional_permissions_json",
      type: "TEXT",
      hidden: true,
      linuxHidden: true,
      description: "The optional permissions, as the manifest's JSON.",
    },
    { name: "manifest_hash", type: "TEXT", collate: "nocase", description: "The SHA-256 of its manifest.json." },
    { name: "referenced", type: "BIGINT", description: "1 when the profile's preferences name the extension, else 0." },
    {
      name: "from_webstore",
      type: "TEXT",
      description: "From the preferences: true when installed from the web store.",
    },
    { name: "state", type: "TEXT", description: "From the preferences: 1 when enabled." },
    {
      name: "install_time",
      type: "TEXT",
      description: "From the preferences: the install time in WebKit format (microseconds since 1601).",
    },
    { name: "install_timestamp", type: "BIGINT", description: "The install time in seconds since 1970 (0: unknown)." },
    {
      name: "manifest_json",
      type: "TEXT",
      hidden: true,
      linuxHidden: true,
      description: "The whole manifest, as JSON.",
    },
    {
      name: "key",
      type: "TEXT",
      hidden: true,
      linuxHidden: true,
      description: "The public key from the manifest, base64.",
    },
  ],
  attributes: { user_data: true },
  generate(ctx) {
    const wantHash = ctx.isUsed("manifest_hash");
    const wantId = ctx.isUsed("identifier");
    const wantJson = ctx.isUsed("manifest_json");
    const rows: Row[] = [];
    for (const profile of chromeProfiles(ctx.host, usersFromContext(ctx))) {
      for (const ext of profile.extensions) {
        const p = (k: string, d = "") => ext.properties.get(k) ?? d;
        const s = (k: string) => ext.settings.get(k) ?? "";
        rows.push({
          browser_type: profile.browserType,
          uid: profile.uid,
          name: p("name"),
          profile: profile.name,
          profile_path: profile.path,
          referenced_identifier: s("referenced_identifier"),
          identifier: wantId ? computedIdentifier(ext) : undefined,
          version: p("version"),
          description: p("description"),
          default_locale: p("default_locale"),
          current_locale: p("current_locale"),
          update_url: p("update_url"),
          author: p("author"),
          persistent: p("persistent").toLowerCase() === "true" ? 1 : 0,
          path: ext.path,
          permissions: p("permissions"),
          permissions_json: p("permissions_json", "{}"),
          optional_permissions: p("optional_permissions"),
          optional_permissions_json: p("optional_permissions_json", "{}"),
          manifest_hash: wantHash ? manifestHash(ext) : undefined,
          referenced: ext.referenced ? 1 : 0,
          from_webstore: s("from_webstore"),
          state: s("state"),
          install_time: s("install_time"),
          install_timestamp: webkitToUnix(ext.settings.get("install_time")),
          manifest_json: wantJson ? JSON.stringify(ext.manifest) : undefined,
          key: p("key"),
        });
      }
    }
    return rows;
  },
}));
