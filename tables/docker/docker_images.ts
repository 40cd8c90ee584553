import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { list, num, str, stripSha, tryDockerApi } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_images",
  description: "Docker images on this host, with their size and tags.",
  columns: [
    { name: "id", type: "TEXT", collate: "nocase" },
    { name: "created", type: "BIGINT" },
    { name: "size_bytes", type: "BIGINT" },
    { name: "tags", type: "TEXT" },
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
