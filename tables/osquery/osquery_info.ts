/**
 * `osquery_info`: one row about this osq process.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { hostUuid, platformMask, runtime } from "../../core/runtime/process.ts";
import { OSQUERY_VERSION } from "../../core/runtime/version.ts";

export default registerTable(defineTable({
  name: "osquery_info",
  description: "This osq process: its pid, version, host and instance identity, and the state of config, " +
    "extensions and watchdog.",
  attributes: { utility: true },
  columns: [
    { name: "pid", type: "INTEGER", description: "Process id of this osq process." },
    {
      name: "uuid",
      type: "TEXT",
      collate: "nocase",
      description: "The host's identifier (from the hardware or the --host_identifier source).",
    },
    {
      name: "instance_id",
      type: "TEXT",
      description: "A random id kept across restarts that names this osq installation.",
    },
    { name: "version", type: "TEXT", collate: "version", description: "The osquery version osq is compatible with." },
    { name: "config_hash", type: "TEXT", collate: "nocase", description: "Hash of the configuration now applied." },
    { name: "config_valid", type: "INTEGER", description: "1 when the last configuration loaded and parsed, else 0." },
    {
      name: "extensions",
      type: "TEXT",
      description: '"active" when the extension manager is running, else "inactive".',
    },
    { name: "build_platform", type: "TEXT", description: "The platform osq was built for." },
    { name: "build_distro", type: "TEXT", description: "The build flavour (osq and the Deno version it runs on)." },
    { name: "start_time", type: "INTEGER", description: "Unix time (seconds) this process started." },
    {
      name: "watcher",
      type: "INTEGER",
      description: "Process id of the watchdog process, or -1 when none watches this one.",
    },
    { name: "platform_mask", type: "INTEGER", description: "osquery's bitmask of the platforms this build serves." },
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
