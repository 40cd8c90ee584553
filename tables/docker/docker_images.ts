/**
 * `docker_images`: the images the daemon holds.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { list, num, str, stripSha, tryDockerApi } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_images",
  description: "Docker images on this host, with their size and tags.",
  columns: [
    { name: "id", type: "TEXT", collate: "nocase", description: "The image's id, without sha256:." },
    { name: "created", type: "BIGINT", description: "Unix time (seconds) the image was created." },
    { name: "size_bytes", type: "BIGINT", description: "Size of the image in bytes." },
    { name: "tags", type: "TEXT", description: "The image's repository tags, comma-separated." },
  ],
  generate() {
    const images = tryDockerApi("/images/json");
    return (Array.isArray(images) ? images : []).map((image) => ({
      id: stripSha(str(image, "Id")),
      created: num(image, "Created"),
      size_bytes: num(image, "Size"),
      tags: list(image, "RepoTags").map((t) => str(t)).join(","),
    }));
  },
}));
