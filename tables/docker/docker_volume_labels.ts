import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { labelRows } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_volume_labels",
  description: "Labels of Docker volumes, one row per label.",
  columns: [
    { name: "name", type: "TEXT", index: true },
    { name: "key", type: "TEXT", index: true },
    { name: "value", type: "TEXT" },
  ],
  generate(ctx) {
    return labelRows(ctx, {
      column: "name",
      idField: "Name",
      url: "/volumes",
      arrayPath: "Volumes",
      filter: true,
      all: false,
    });
  },
}));
