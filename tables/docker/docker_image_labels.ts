/**
 * `docker_image_labels`: the labels of each image.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { labelRows } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_image_labels",
  description: "Labels of Docker images, one row per label.",
  columns: [
    {
      name: "id",
      type: "TEXT",
      index: true,
      collate: "nocase",
      description: "The image's id without the sha256: prefix (or the prefix the query gave).",
    },
    { name: "key", type: "TEXT", description: "The label's name." },
    { name: "value", type: "TEXT", description: "The label's value (may be empty)." },
  ],
  generate(ctx) {
    return labelRows(ctx, { column: "id", idField: "Id", url: "/images/json", filter: false, all: false });
  },
}));
