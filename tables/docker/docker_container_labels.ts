/**
 * `docker_container_labels`: the labels of each container.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { labelRows } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_container_labels",
  description: "Labels of Docker containers, one row per label.",
  columns: [
    {
      name: "id",
      type: "TEXT",
      index: true,
      collate: "nocase",
      description: "The container's id (or the id prefix the query gave).",
    },
    { name: "key", type: "TEXT", index: true, description: "The label's name." },
    { name: "value", type: "TEXT", description: "The label's value (may be empty)." },
  ],
  generate(ctx) {
    return labelRows(ctx, { column: "id", idField: "Id", url: "/containers/json", filter: true, all: true });
  },
}));
