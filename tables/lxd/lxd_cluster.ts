import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { bit, isObject, lxdMetadata, member, text } from "./_lib.ts";

export default registerTable(defineTable({
  name: "lxd_cluster",
  description: "This LXD server's clustering state and the member configuration keys a joining node must set.",
  columns: [
    { name: "server_name", type: "TEXT" },
    { name: "enabled", type: "INTEGER" },
    { name: "member_config_entity", type: "TEXT" },
    { name: "member_config_name", type: "TEXT" },
    { name: "member_config_key", type: "TEXT" },
    { name: "member_config_value", type: "TEXT" },
    { name: "member_config_description", type: "TEXT" },
  ],
  generate() {
    const cluster = lxdMetadata("/1.0/cluster");
    if (!isObject(cluster)) return [];
    const base = { server_name: text(cluster, "server_name"), enabled: bit(cluster, "enabled") };
    const config = member(cluster, "member_config");
    const entries = Array.isArray(config) ? config.filter(isObject) : [];
    // osquery keeps only the last entry in a single row; one row per entry loses nothing.
    if (entries.length === 0) return [base];
    return entries.map((entry): Row => ({
      ...base,
      member_config_entity: text(entry, "entity"),
      member_config_name: text(entry, "name"),
      member_config_key: text(entry, "key"),
      member_config_value: text(entry, "value"),
      member_config_description: text(entry, "description"),
    }));
  },
}));
