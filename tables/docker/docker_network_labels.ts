import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { labelRows } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_network_labels",
  description: "Labels of Docker networks, one row per label.",
  columns: [
    { name: "id", type: "TEXT", index: true, collate: "nocase" },
    { name: "key", type: "TEXT" },
    { name: "value", type: "TEXT" },
  ],
  generate(ctx) {
    return labelRows(ctx, { column: "id", idField: "Id", url: "/networks", filter: true, all: false });
  },
}));
