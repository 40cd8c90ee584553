/**
 * vscode_extensions: extensions of VS Code and its relatives (Insiders, VSCodium, Cursor,
 * Windsurf, Trae, and their remote servers), read from each user's `extensions/extensions.json`.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { asObject, hostUsers, readJson, usersFromContext, type UserSource } from "./_lib.ts";

/** Configuration directories under a home, with osquery's edition names. */
export const VSCODE_DIRS: [string, string][] = [
  [".vscode-server", "vscode"],
  [".vscode", "vscode"],
  [".vscode-server-insiders", "vscode_insiders"],
  [".vscode-insiders", "vscode_insiders"],
  [".vscode-oss", "vscodium"],
  [".vscodium-server", "vscodium"],
  [".vscodium-insiders", "vscodium_insiders"],
  [".vscodium-server-insiders", "vscodium_insiders"],
  [".cursor", "cursor"],
  [".cursor-server", "cursor"],
  [".windsurf", "windsurf"],
  [".windsurf-server", "windsurf"],
  [".devin", "windsurf"],
  [".trae", "trae"],
  [".trae-server", "trae"],
];

/** The extensions listed in one extensions.json; entries without identifier/metadata/location objects are skipped. */
export function readVSCodeExtensions(file: string, uid: number, edition: string): Row[] {
  const doc = readJson(file);
  if (!Array.isArray(doc)) return [];
  const rows: Row[] = [];
  for (const e of doc) {
    const ext = asObject(e);
    const identifier = asObject(ext?.identifier);
    const metadata = asObject(ext?.metadata);
    const location = asObject(ext?.location);
    if (!ext || !identifier || !metadata || !location) continue;
    const str = (v: unknown) => (typeof v === "string" ? v : undefined);
    rows.push({
      name: str(identifier.id),
      uuid: str(metadata.id),
      version: str(ext.version),
      path: str(location.path),
      publisher: str(metadata.publisherDisplayName),
      publisher_id: str(metadata.publisherId),
      installed_at: Number.isSafeInteger(metadata.installedTimestamp)
        ? metadata.installedTimestamp as number
        : undefined,
      prerelease: typeof metadata.isPreReleaseVersion === "boolean"
        ? (metadata.isPreReleaseVersion ? 1 : 0)
        : undefined,
      uid,
      vscode_edition: edition,
    });
  }
  return rows;
}

/** Builds the vscode_extensions table (tests give it fixture users). */
export function vscodeExtensionsTable(users: UserSource = hostUsers): TableSpec {
  return defineTable({
    name: "vscode_extensions",
    description: "Extensions installed in VS Code and its forks, per user and edition.",
    columns: [
      { name: "name", type: "TEXT" },
      { name: "uuid", type: "TEXT", collate: "nocase" },
      { name: "version", type: "TEXT", collate: "version" },
      { name: "path", type: "TEXT" },
      { name: "publisher", type: "TEXT" },
      { name: "publisher_id", type: "TEXT" },
      { name: "installed_at", type: "BIGINT" },
      { name: "prerelease", type: "INTEGER" },
      { name: "uid", type: "BIGINT", additional: true, optimized: true },
      { name: "vscode_edition", type: "TEXT" },
    ],
    attributes: { user_data: true },
    generate(ctx) {
      const rows: Row[] = [];
      for (const user of usersFromContext(ctx, users)) {
        if (!user.directory) continue;
        for (const [dir, edition] of VSCODE_DIRS) {
          rows.push(...readVSCodeExtensions(`${user.directory}/${dir}/extensions/extensions.json`, user.uid, edition));
        }
      }
      return rows;
    },
  });
}

export default registerTable(vscodeExtensionsTable());
