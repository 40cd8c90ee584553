/**
 * `lxd_cluster_members`: the members of the LXD cluster this server belongs to.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { bit, isObject, listing, lxdMetadata, text } from "./_lib.ts";

export default registerTable(defineTable({
  name: "lxd_cluster_members",
  description: "Members of the LXD cluster this server belongs to, with their address and health.",
  columns: [
    { name: "server_name", type: "TEXT", description: "The member's server name." },
    { name: "url", type: "TEXT", description: "The member's API address." },
    {
      name: "database",
      type: "INTEGER",
      description: "1 when the member holds a copy of the cluster database, else 0.",
    },
    { name: "status", type: "TEXT", description: "The member's state (Online, Offline, ...)." },
    { name: "message", type: "TEXT", description: "LXD's note on the member's state." },
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
