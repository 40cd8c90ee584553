/**
 * opera_extensions: osquery 4's table of Opera extensions, which osquery 5 folded into
 * chrome_extensions (browser_type = 'opera'). osq keeps it so packs written for it — osquery's
 * own vuln-management pack among them — still run.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { usersFromContext } from "../../core/host/per_user.ts";
import { chromeProfiles, computedIdentifier } from "./_chrome.ts";

export default registerTable(defineTable({
  name: "opera_extensions",
  description: "Extensions in Opera profiles, per user, with osquery 4's columns (a subset of chrome_extensions).",
  columns: [
    { name: "uid", type: "BIGINT", index: true, description: "The user whose Opera profile holds the extension." },
    { name: "name", type: "TEXT", description: "The extension's name, localized." },
    {
      name: "identifier",
      type: "TEXT",
      description: "The extension's id (from its key, else its install directory's name).",
    },
    { name: "version", type: "TEXT", description: "The extension's version." },
    { name: "description", type: "TEXT", description: "The extension's description, localized." },
    { name: "locale", type: "TEXT", description: "The manifest's default locale." },
    { name: "update_url", type: "TEXT", description: "Where Opera looks for updates." },
    { name: "author", type: "TEXT", description: "The extension's author." },
    { name: "persistent", type: "INTEGER", description: "1 when its background page stays loaded, else 0." },
    { name: "path", type: "TEXT", description: "The extension's directory." },
  ],
  attributes: { user_data: true },
  generate(ctx) {
    const rows: Row[] = [];
    for (const profile of chromeProfiles(ctx.host, usersFromContext(ctx))) {
      if (profile.browserType !== "opera") continue;
      for (const ext of profile.extensions) {
        const p = (k: string) => ext.properties.get(k) ?? "";
        rows.push({
          uid: profile.uid,
          name: p("name"),
          // The id from the manifest key, else the directory Opera installed it under.
          identifier: ctx.isUsed("identifier") ? computedIdentifier(ext) || directoryId(ext.path) : undefined,
          version: p("version"),
          description: p("description"),
          locale: p("default_locale"),
          update_url: p("update_url"),
          author: p("author"),
          persistent: p("persistent").toLowerCase() === "true" ? 1 : 0,
          path: ext.path,
        });
      }
    }
    return rows;
  },
}));

/** The extension id an install path names: `.../Extensions/<id>/<version>`. */
function directoryId(path: string): string {
  const parts = path.split("/");
  return parts.length >= 2 ? parts[parts.length - 2] : "";
}
