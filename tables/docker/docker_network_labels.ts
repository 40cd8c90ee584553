/**
 * `docker_network_labels`: the labels of each network.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { labelRows } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_network_labels",
  description: "Labels of Docker networks, one row per label.",
  columns: [
    {
      name: "id",
      type: "TEXT",
      index: true,
      collate: "nocase",
      description: "The network's id (or the id prefix the query gave).",
    },
    { name: "key", type: "TEXT", description: "The label's name." },
    { name: "value", type: "TEXT", description: "The label's value (may be empty)." },
  ],
  generate(ctx) {
    return labelRows(ctx, { column: "id", idField: "Id", url: "/networks", filter: true, all: false });
  },
}));
