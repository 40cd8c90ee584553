/**
 * `carves`: the file carves this host knows of, and the way to ask for a new one.
 *
 * `carve = 1` together with `path` constraints (`=` paths or LIKE patterns with osquery's `%`
 * and `%%`) records a new carve of the matching paths when `--disable_carver=false`; the query
 * then returns every known carve, the new one with `carve = 1`. The daemon's carver archives and
 * uploads scheduled carves to the TLS server (core/carver/carves.ts). With the carver disabled
 * (osquery's default) the table lists the carves already recorded.
 *
 * @module
 */
import "../../core/carver/flags.ts";
import { carveStore } from "../../core/carver/carves.ts";
import { flags } from "../../core/flags/flags.ts";
import { registerTable } from "../../core/registry.ts";
import { defineTable } from "../../core/table.ts";
import { constrainedPaths, GLOB } from "../../core/host/glob.ts";

export default registerTable(defineTable({
  name: "carves",
  description: "File carves requested on this host, with their status; carve = 1 with a path requests a new one.",
  columns: [
    { name: "time", type: "BIGINT", description: "Unix time (seconds) the carve was requested." },
    { name: "sha256", type: "TEXT", collate: "nocase", description: "SHA-256 of the finished carve archive." },
    { name: "size", type: "BIGINT", description: "Size in bytes of the carve archive." },
    { name: "path", type: "TEXT", additional: true, description: "The path (or pattern) the carve was asked for." },
    { name: "status", type: "TEXT", description: "Where the carve stands: STARTING, PENDING, SUCCESS or FAILED." },
    { name: "carve_guid", type: "TEXT", index: true, collate: "nocase", description: "The id of the carve session." },
    {
      name: "request_id",
      type: "TEXT",
      description: "What asked for the carve (a distributed query id or scheduled query name).",
    },
    {
      name: "carve",
      type: "INTEGER",
      additional: true,
      description: "Set to 1 in the query (with a path) to request a new carve; 1 on the row of that new carve.",
    },
  ],
  // Requests reach the carver service, which runs on the daemon's main thread.
  thread: "main",
  generate(ctx) {
    let requested = "";
    if (!flags.bool("disable_carver") && ctx.integerEquals("carve").includes(1)) {
      const paths = constrainedPaths(ctx, "path", GLOB.ALL);
      if (paths.length > 0) requested = carveStore.request(paths, crypto.randomUUID());
    }
    return carveStore.list().map((r) => ({
      time: r.time,
      sha256: r.sha256,
      size: r.size,
      path: r.path,
      status: r.status,
      carve_guid: r.carve_guid,
      request_id: r.request_id,
      carve: r.carve_guid === requested ? 1 : 0,
    }));
  },
}));
