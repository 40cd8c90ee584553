/**
 * chrome_extension_content_scripts: the content scripts Chromium-family extensions inject, one
 * row per script and URL match pattern.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { hostUsers, usersFromContext, type UserSource } from "./_lib.ts";
import { chromeProfiles, computedIdentifier } from "./_chrome.ts";

/** Builds the chrome_extension_content_scripts table (tests give it fixture users). */
export function chromeExtensionContentScriptsTable(users: UserSource = hostUsers): TableSpec {
  return defineTable({
    name: "chrome_extension_content_scripts",
    description: "Content scripts of Chromium-family browser extensions and the URLs they match.",
    columns: [
      { name: "browser_type", type: "TEXT" },
      { name: "uid", type: "BIGINT", index: true, optimized: true },
      { name: "identifier", type: "TEXT" },
      { name: "version", type: "TEXT", collate: "version" },
      { name: "script", type: "TEXT" },
      { name: "match", type: "TEXT" },
      { name: "profile_path", type: "TEXT" },
      { name: "path", type: "TEXT" },
      { name: "referenced", type: "BIGINT" },
    ],
    attributes: { user_data: true },
    generate(ctx) {
      const rows: Row[] = [];
      for (const profile of chromeProfiles(usersFromContext(ctx, users))) {
        for (const ext of profile.extensions) {
          if (ext.contentScripts.length === 0) continue;
          // osquery reads a profile setting that never exists here (always ""); the extension's
          // own identifier, or the one the preferences use, is what a reader needs.
          const identifier = computedIdentifier(ext) || (ext.settings.get("referenced_identifier") ?? "");
          for (const cs of ext.contentScripts) {
            rows.push({
              browser_type: profile.browserType,
              uid: profile.uid,
              identifier,
              version: ext.properties.get("version") ?? "",
              script: cs.script,
              match: cs.match,
              profile_path: profile.path,
              path: ext.path,
              referenced: ext.referenced ? 1 : 0,
            });
          }
        }
      }
      return rows;
    },
  });
}

export default registerTable(chromeExtensionContentScriptsTable());
