import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { labelRows } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_image_labels",
  description: "Labels of Docker images, one row per label.",
  columns: [
    { name: "id", type: "TEXT", index: true, collate: "nocase" },
    { name: "key", type: "TEXT" },
    { name: "value", type: "TEXT" },
  ],
  generate(ctx) {
    return labelRows(ctx, { column: "id", idField: "Id", url: "/images/json", filter: false, all: false });
  },
}));
