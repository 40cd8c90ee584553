/**
 * chrome_extensions: extensions of Chromium-family browsers (Chrome, Chromium, Brave, Edge,
 * Opera, Vivaldi, Yandex) in the profiles of the queried users.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { hostUsers, usersFromContext, type UserSource } from "./_lib.ts";
import { chromeProfiles, computedIdentifier, manifestHash, webkitToUnix } from "./_chrome.ts";

/** Builds the chrome_extensions table (tests give it fixture users). */
export function chromeExtensionsTable(users: UserSource = hostUsers): TableSpec {
  return defineTable({
    name: "chrome_extensions",
    description: "Extensions installed in Chromium-family browser profiles, per user.",
    columns: [
      { name: "browser_type", type: "TEXT" },
      { name: "uid", type: "BIGINT", index: true, optimized: true },
      { name: "name", type: "TEXT" },
      { name: "profile", type: "TEXT" },
      { name: "profile_path", type: "TEXT" },
      { name: "referenced_identifier", type: "TEXT" },
      { name: "identifier", type: "TEXT" },
      { name: "version", type: "TEXT", collate: "version" },
      { name: "description", type: "TEXT" },
      { name: "default_locale", type: "TEXT", aliases: ["locale"] },
      { name: "current_locale", type: "TEXT" },
      { name: "update_url", type: "TEXT" },
      { name: "author", type: "TEXT" },
      { name: "persistent", type: "INTEGER" },
      { name: "path", type: "TEXT" },
      { name: "permissions", type: "TEXT" },
      { name: "permissions_json", type: "TEXT", hidden: true, linuxHidden: true },
      { name: "optional_permissions", type: "TEXT" },
      { name: "optional_permissions_json", type: "TEXT", hidden: true, linuxHidden: true },
      { name: "manifest_hash", type: "TEXT", collate: "nocase" },
      { name: "referenced", type: "BIGINT" },
      { name: "from_webstore", type: "TEXT" },
      { name: "state", type: "TEXT" },
      { name: "install_time", type: "TEXT" },
      { name: "install_timestamp", type: "BIGINT" },
      { name: "manifest_json", type: "TEXT", hidden: true, linuxHidden: true },
      { name: "key", type: "TEXT", hidden: true, linuxHidden: true },
    ],
    attributes: { user_data: true },
    generate(ctx) {
      const wantHash = ctx.isUsed("manifest_hash");
      const wantId = ctx.isUsed("identifier");
      const wantJson = ctx.isUsed("manifest_json");
      const rows: Row[] = [];
      for (const profile of chromeProfiles(usersFromContext(ctx, users))) {
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
  });
}

export default registerTable(chromeExtensionsTable());
