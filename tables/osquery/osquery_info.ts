import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { hostUuid, platformMask, runtime } from "../../core/runtime/process.ts";
import { OSQUERY_VERSION } from "../../core/runtime/version.ts";

/**
 * The watchdog's pid: a daemon worker started by the watchdog (OSQ_DAEMON_ROLE=worker) is told it
 * in OSQ_WATCHER_PID, read here so every thread of the worker answers it; otherwise what the face
 * set (-1 without a watcher).
 */
function watcherPid(): number {
  if (runtime.watcherPid !== -1) return runtime.watcherPid;
  if (Deno.env.get("OSQ_DAEMON_ROLE") !== "worker") return -1;
  const pid = Number(Deno.env.get("OSQ_WATCHER_PID"));
  return Number.isInteger(pid) && pid > 0 ? pid : Deno.ppid;
}

export default registerTable(defineTable({
  name: "osquery_info",
  description: "This osq process: its pid, version, host and instance identity, and the state of config, " +
    "extensions and watchdog.",
  attributes: { utility: true },
  columns: [
    { name: "pid", type: "INTEGER" },
    { name: "uuid", type: "TEXT", collate: "nocase" },
    { name: "instance_id", type: "TEXT" },
    { name: "version", type: "TEXT", collate: "version" },
    { name: "config_hash", type: "TEXT", collate: "nocase" },
    { name: "config_valid", type: "INTEGER" },
    { name: "extensions", type: "TEXT" },
    { name: "build_platform", type: "TEXT" },
    { name: "build_distro", type: "TEXT" },
    { name: "start_time", type: "INTEGER" },
    { name: "watcher", type: "INTEGER" },
    { name: "platform_mask", type: "INTEGER" },
  ],
  generate() {
    return [{
      pid: Deno.pid,
      uuid: hostUuid(),
      instance_id: runtime.instanceId,
      version: OSQUERY_VERSION,
      config_hash: runtime.configHash,
      config_valid: runtime.configValid ? 1 : 0,
      extensions: runtime.extensionsActive ? "active" : "inactive",
      build_platform: Deno.build.os,
      build_distro: `osq-deno${Deno.version.deno}`,
      start_time: runtime.startTime,
      watcher: watcherPid(),
      platform_mask: platformMask(),
    }];
  },
}));
