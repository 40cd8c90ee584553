/**
 * `docker_image_layers`: the root filesystem layers of each image, base first.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { idConstraints, imageIds, list, str, stripSha, tryDockerApi } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_image_layers",
  description: "The filesystem layers of Docker images, in order.",
  columns: [
    {
      name: "id",
      type: "TEXT",
      index: true,
      collate: "nocase",
      description: "The image's id without the sha256: prefix (or the prefix the query gave).",
    },
    { name: "layer_id", type: "TEXT", collate: "nocase", description: "The layer's digest, without sha256:." },
    { name: "layer_order", type: "INTEGER", description: "The layer's position, 1 being the base." },
  ],
  generate(ctx) {
    const ids = ctx.hasConstraint("id", 2) ? idConstraints(ctx, "id") : imageIds();
    const rows: Row[] = [];
    for (const id of ids) {
      const image = tryDockerApi(`/images/${id}/json`);
      list(image, "RootFS.Layers").forEach((layer, index) => {
        rows.push({ id, layer_id: stripSha(str(layer)), layer_order: index + 1 });
      });
    }
    return rows;
  },
}));
