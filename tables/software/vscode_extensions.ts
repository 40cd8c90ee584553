/**
 * vscode_extensions: extensions of VS Code and its relatives (Insiders, VSCodium, Cursor,
 * Windsurf, Trae, and their remote servers), read from each user's `extensions/extensions.json`.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { usersFromContext } from "../../core/host/per_user.ts";
import { asObject, readJson } from "./_lib.ts";

export default registerTable(defineTable({
  name: "vscode_extensions",
  description: "Extensions installed in VS Code and its forks, per user and edition.",
  columns: [
    { name: "name", type: "TEXT", description: "The extension's id: publisher.name." },
    { name: "uuid", type: "TEXT", collate: "nocase", description: "The extension's gallery UUID." },
    { name: "version", type: "TEXT", collate: "version", description: "The installed version." },
    { name: "path", type: "TEXT", description: "The extension's directory." },
    { name: "publisher", type: "TEXT", description: "The publisher's display name." },
    { name: "publisher_id", type: "TEXT", description: "The publisher's gallery id." },
    { name: "installed_at", type: "BIGINT", description: "When it was installed, in milliseconds since 1970." },
    { name: "prerelease", type: "INTEGER", description: "1 when a pre-release version is installed, else 0." },
    {
      name: "uid",
      type: "BIGINT",
      additional: true,
      optimized: true,
      description: "The user whose home holds the extension.",
    },
    {
      name: "vscode_edition",
      type: "TEXT",
      description: "Which editor: vscode, vscode_insiders, vscodium, cursor, windsurf, trae...",
    },
  ],
  attributes: { user_data: true },
  generate(ctx) {
    const rows: Row[] = [];
    for (const user of usersFromContext(ctx)) {
      for (const [dir, edition] of VSCODE_DIRS) {
        const file = ctx.host.path(`${user.directory}/${dir}/extensions/extensions.json`);
        rows.push(...readVSCodeExtensions(file, user.uid, edition));
      }
    }
    return rows;
  },
}));

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
