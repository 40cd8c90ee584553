import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { bit, isObject, listing, lxdMetadata, text } from "./_lib.ts";

export default registerTable(defineTable({
  name: "lxd_cluster_members",
  description: "Members of the LXD cluster this server belongs to, with their address and health.",
  columns: [
    { name: "server_name", type: "TEXT" },
    { name: "url", type: "TEXT" },
    { name: "database", type: "INTEGER" },
    { name: "status", type: "TEXT" },
    { name: "message", type: "TEXT" },
  ],
  generate() {
    return listing("/1.0/cluster/members").map((url) => lxdMetadata(url)).filter(isObject).map((m) => ({
      server_name: text(m, "server_name"),
      url: text(m, "url"),
      database: bit(m, "database"),
      status: text(m, "status"),
      message: text(m, "message"),
    }));
  },
}));
