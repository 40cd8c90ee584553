/**
 * chrome_extension_content_scripts: the content scripts Chromium-family extensions inject, one
 * row per script and URL match pattern.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { usersFromContext } from "../../core/host/per_user.ts";
import { chromeProfiles, computedIdentifier } from "./_chrome.ts";

export default registerTable(defineTable({
  name: "chrome_extension_content_scripts",
  description: "Content scripts of Chromium-family browser extensions and the URLs they match.",
  columns: [
    {
      name: "browser_type",
      type: "TEXT",
      description: "Which browser the profile belongs to (chrome, chromium, brave, ...).",
    },
    {
      name: "uid",
      type: "BIGINT",
      index: true,
      optimized: true,
      description: "The user whose profile holds the extension.",
    },
    {
      name: "identifier",
      type: "TEXT",
      description: "The extension's id (from its key, else the one the preferences give).",
    },
    { name: "version", type: "TEXT", collate: "version", description: "The extension's version." },
    { name: "script", type: "TEXT", description: "A script the extension injects." },
    { name: "match", type: "TEXT", description: "A URL pattern the script is injected into." },
    { name: "profile_path", type: "TEXT", description: "The profile's directory." },
    { name: "path", type: "TEXT", description: "The extension's directory." },
    { name: "referenced", type: "BIGINT", description: "1 when the profile's preferences name the extension, else 0." },
  ],
  attributes: { user_data: true },
  generate(ctx) {
    const rows: Row[] = [];
    for (const profile of chromeProfiles(ctx.host, usersFromContext(ctx))) {
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
}));
