import { defineTable } from "../../core/table.ts";
import { registerTable, registry } from "../../core/registry.ts";

export default registerTable(defineTable({
  name: "osquery_registry",
  description: "Every plugin osq knows, by registry (table, config, logger, ...), with its owner and whether it " +
    "is active.",
  attributes: { utility: true },
  columns: [
    { name: "registry", type: "TEXT" },
    { name: "name", type: "TEXT" },
    { name: "owner_uuid", type: "INTEGER" },
    { name: "internal", type: "INTEGER" },
    { name: "active", type: "INTEGER" },
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
