/**
 * `docker_version`: the daemon's version and build, from /version.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { type Json, str, tryDockerApi } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_version",
  description: "The Docker daemon's version and build.",
  attributes: { cacheable: true },
  columns: [
    { name: "version", type: "TEXT", collate: "version", description: "The Docker engine's version." },
    { name: "api_version", type: "TEXT", collate: "version", description: "The API version it speaks." },
    { name: "min_api_version", type: "TEXT", collate: "version", description: "The oldest API version it accepts." },
    { name: "git_commit", type: "TEXT", description: "The commit it was built from." },
    { name: "go_version", type: "TEXT", collate: "version", description: "The Go version it was built with." },
    { name: "os", type: "TEXT", description: "The operating system it runs on." },
    { name: "arch", type: "TEXT", description: "The hardware architecture it runs on." },
    { name: "kernel_version", type: "TEXT", collate: "version", description: "The host kernel's version." },
    { name: "build_time", type: "TEXT", description: "When it was built." },
  ],
  generate() {
    const v = tryDockerApi("/version");
    return v === undefined ? [] : [versionRow(v)];
  },
}));

/** The row of the daemon's /version answer `v`. */
function versionRow(v: Json): Row {
  return {
    version: str(v, "Version"),
    api_version: str(v, "ApiVersion"),
    min_api_version: str(v, "MinAPIVersion"),
    git_commit: str(v, "GitCommit"),
    go_version: str(v, "GoVersion"),
    os: str(v, "Os"),
    arch: str(v, "Arch"),
    kernel_version: str(v, "KernelVersion"),
    build_time: str(v, "BuildTime"),
  };
}
