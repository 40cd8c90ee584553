/**
 * `lxd_cluster`: the local LXD server's clustering state, one row per member configuration key.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { bit, isObject, lxdMetadata, member, text } from "./_lib.ts";

export default registerTable(defineTable({
  name: "lxd_cluster",
  description: "This LXD server's clustering state and the member configuration keys a joining node must set.",
  columns: [
    { name: "server_name", type: "TEXT", description: "This LXD server's name in the cluster." },
    { name: "enabled", type: "INTEGER", description: "1 when clustering is enabled on this server, else 0." },
    {
      name: "member_config_entity",
      type: "TEXT",
      description: "The kind of object a member setting applies to (e.g. storage-pool).",
    },
    { name: "member_config_name", type: "TEXT", description: "The name of that object." },
    { name: "member_config_key", type: "TEXT", description: "The configuration key a joining member must set." },
    { name: "member_config_value", type: "TEXT", description: "The key's value." },
    { name: "member_config_description", type: "TEXT", description: "What the key is for, as LXD describes it." },
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
