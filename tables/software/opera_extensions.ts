/**
 * opera_extensions: osquery 4's table of Opera extensions, which osquery 5 folded into
 * chrome_extensions (browser_type = 'opera'). osq keeps it so packs written for it — osquery's
 * own vuln-management pack among them — still run.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { hostUsers, usersFromContext, type UserSource } from "./_lib.ts";
import { chromeProfiles, computedIdentifier } from "./_chrome.ts";

/** The extension id an install path names: `.../Extensions/<id>/<version>`. */
function directoryId(path: string): string {
  const parts = path.split("/");
  return parts.length >= 2 ? parts[parts.length - 2] : "";
}

/** Builds the opera_extensions table (tests give it fixture users). */
export function operaExtensionsTable(users: UserSource = hostUsers): TableSpec {
  return defineTable({
    name: "opera_extensions",
    description: "Extensions in Opera profiles, per user, with osquery 4's columns (a subset of chrome_extensions).",
    columns: [
      { name: "uid", type: "BIGINT", index: true },
      { name: "name", type: "TEXT" },
      { name: "identifier", type: "TEXT" },
      { name: "version", type: "TEXT" },
      { name: "description", type: "TEXT" },
      { name: "locale", type: "TEXT" },
      { name: "update_url", type: "TEXT" },
      { name: "author", type: "TEXT" },
      { name: "persistent", type: "INTEGER" },
      { name: "path", type: "TEXT" },
    ],
    attributes: { user_data: true },
    generate(ctx) {
      const rows: Row[] = [];
      for (const profile of chromeProfiles(usersFromContext(ctx, users))) {
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
  });
}

export default registerTable(operaExtensionsTable());
