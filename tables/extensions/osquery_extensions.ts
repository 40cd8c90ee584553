/**
 * `osquery_extensions`: the extension manager's view — the core itself (uuid 0) and every
 * extension registered with it. As osquery, the `sdk_version` of an extension row holds the
 * extension's *minimum* SDK version (osquery swaps the two when it lists extensions), and the
 * core row reports "0.0.0". No manager running (extensions disabled) → no rows.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { activeManager, type ManagerView } from "../../core/extensions/state.ts";
import { OSQUERY_VERSION } from "../../core/runtime/version.ts";

export default registerTable(defineTable({
  name: "osquery_extensions",
  description: "The extension manager's core and the extensions registered with it.",
  attributes: { utility: true },
  columns: [
    { name: "uuid", type: "BIGINT", description: "The route id the manager gave the extension (0 for the core)." },
    { name: "name", type: "TEXT", description: 'The extension\'s name ("core" for osq itself).' },
    { name: "version", type: "TEXT", collate: "version", description: "The version the extension announced." },
    {
      name: "sdk_version",
      type: "TEXT",
      collate: "version",
      description: 'The lowest SDK version the extension needs ("0.0.0" for the core).',
    },
    { name: "path", type: "TEXT", description: "The manager's socket path; an extension's ends in .<uuid>." },
    { name: "type", type: "TEXT", description: '"core" or "extension".' },
  ],
  generate: () => extensionRows(activeManager()),
}));

/** The rows for a manager (exported for tests). */
export function extensionRows(manager: ManagerView | undefined): Row[] {
  if (!manager) return [];
  const rows: Row[] = [{
    uuid: 0,
    name: "core",
    version: OSQUERY_VERSION,
    sdk_version: "0.0.0",
    path: manager.path,
    type: "core",
  }];
  const records = [...manager.records()].sort((a, b) => (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
  for (const record of records) {
    rows.push({
      uuid: record.uuid,
      name: record.info.name,
      version: record.info.version,
      sdk_version: record.info.min_sdk_version,
      path: `${manager.path}.${record.uuid}`,
      type: "extension",
    });
  }
  return rows;
}
