/**
 * `osquery_registry`: the plugins of every registry, built-in and from extensions.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable, registry } from "../../core/registry.ts";

export default registerTable(defineTable({
  name: "osquery_registry",
  description: "Every plugin osq knows, by registry (table, config, logger, ...), with its owner and whether it " +
    "is active.",
  attributes: { utility: true },
  columns: [
    { name: "registry", type: "TEXT", description: "The registry the plugin belongs to (table, config, logger, ...)." },
    { name: "name", type: "TEXT", description: "The plugin's name in that registry." },
    {
      name: "owner_uuid",
      type: "INTEGER",
      description: "Route id of the extension that provides it (0 for built-in plugins).",
    },
    { name: "internal", type: "INTEGER", description: "1 for plugins only osq itself uses, else 0." },
    { name: "active", type: "INTEGER", description: "1 when the plugin is selected or in use, else 0." },
  ],
  generate() {
    return registry.plugins().map((p) => ({
      registry: p.registry,
      name: p.name,
      owner_uuid: p.ownerUuid,
      internal: p.internal ? 1 : 0,
      active: p.active ? 1 : 0,
    }));
  },
}));
