/**
 * `docker_volume_labels`: the labels of each volume.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { labelRows } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_volume_labels",
  description: "Labels of Docker volumes, one row per label.",
  columns: [
    { name: "name", type: "TEXT", index: true, description: "The volume's name." },
    { name: "key", type: "TEXT", index: true, description: "The label's name." },
    { name: "value", type: "TEXT", description: "The label's value (may be empty)." },
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
