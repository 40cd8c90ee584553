import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { str, tryDockerApi } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_version",
  description: "The Docker daemon's version and build.",
  attributes: { cacheable: true },
  columns: [
    { name: "version", type: "TEXT", collate: "version" },
    { name: "api_version", type: "TEXT", collate: "version" },
    { name: "min_api_version", type: "TEXT", collate: "version" },
    { name: "git_commit", type: "TEXT" },
    { name: "go_version", type: "TEXT", collate: "version" },
    { name: "os", type: "TEXT" },
    { name: "arch", type: "TEXT" },
    { name: "kernel_version", type: "TEXT", collate: "version" },
    { name: "build_time", type: "TEXT" },
  ],
  generate() {
    const v = tryDockerApi("/version");
    if (v === undefined) return [];
    return [{
      version: str(v, "Version"),
      api_version: str(v, "ApiVersion"),
      min_api_version: str(v, "MinAPIVersion"),
      git_commit: str(v, "GitCommit"),
      go_version: str(v, "GoVersion"),
      os: str(v, "Os"),
      arch: str(v, "Arch"),
      kernel_version: str(v, "KernelVersion"),
      build_time: str(v, "BuildTime"),
    }];
  },
}));
