/**
 * `docker_info`: system-wide facts from the daemon's /info endpoint.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { flag, type Json, num, str, tryDockerApi } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_info",
  description: "System-wide facts the Docker daemon reports: counts, drivers, limits and proxies.",
  attributes: { cacheable: true },
  columns: [
    { name: "id", type: "TEXT", collate: "nocase", description: "The daemon's id." },
    { name: "containers", type: "INTEGER", description: "How many containers exist." },
    { name: "containers_running", type: "INTEGER", description: "How many are running." },
    { name: "containers_paused", type: "INTEGER", description: "How many are paused." },
    { name: "containers_stopped", type: "INTEGER", description: "How many are stopped." },
    { name: "images", type: "INTEGER", description: "How many images exist." },
    { name: "storage_driver", type: "TEXT", description: "The storage driver (overlay2, ...)." },
    { name: "memory_limit", type: "INTEGER", description: "1 when memory limits are supported, else 0." },
    { name: "swap_limit", type: "INTEGER", description: "1 when swap limits are supported, else 0." },
    { name: "kernel_memory", type: "INTEGER", description: "1 when kernel memory limits are supported, else 0." },
    { name: "cpu_cfs_period", type: "INTEGER", description: "1 when CFS scheduler periods are supported, else 0." },
    { name: "cpu_cfs_quota", type: "INTEGER", description: "1 when CFS scheduler quotas are supported, else 0." },
    { name: "cpu_shares", type: "INTEGER", description: "1 when CPU share weights are supported, else 0." },
    { name: "cpu_set", type: "INTEGER", description: "1 when pinning to CPU sets is supported, else 0." },
    { name: "ipv4_forwarding", type: "INTEGER", description: "1 when IPv4 forwarding is on, else 0." },
    { name: "bridge_nf_iptables", type: "INTEGER", description: "1 when bridged traffic passes iptables, else 0." },
    { name: "bridge_nf_ip6tables", type: "INTEGER", description: "1 when bridged traffic passes ip6tables, else 0." },
    {
      name: "oom_kill_disable",
      type: "INTEGER",
      description: "1 when the OOM killer can be disabled for containers, else 0.",
    },
    { name: "logging_driver", type: "TEXT", description: "The default logging driver." },
    { name: "cgroup_driver", type: "TEXT", description: "The cgroup driver (cgroupfs, systemd)." },
    { name: "kernel_version", type: "TEXT", collate: "version", description: "The host kernel's version." },
    { name: "os", type: "TEXT", description: "The host's operating system name." },
    { name: "os_type", type: "TEXT", description: "The OS type (linux)." },
    { name: "architecture", type: "TEXT", description: "The host's hardware architecture." },
    { name: "cpus", type: "INTEGER", description: "How many CPUs the host has." },
    { name: "memory", type: "BIGINT", description: "Total host memory in bytes." },
    { name: "http_proxy", type: "TEXT", description: "The HTTP proxy the daemon uses." },
    { name: "https_proxy", type: "TEXT", description: "The HTTPS proxy the daemon uses." },
    { name: "no_proxy", type: "TEXT", description: "Hosts the daemon reaches without a proxy, comma-separated." },
    { name: "name", type: "TEXT", description: "The host name the daemon reports." },
    { name: "server_version", type: "TEXT", collate: "version", description: "The daemon's version." },
    { name: "root_dir", type: "TEXT", description: "The daemon's data directory." },
  ],
  generate() {
    const i = tryDockerApi("/info");
    return i === undefined ? [] : [infoRow(i)];
  },
}));

/** The row of the daemon's /info answer `i`. */
function infoRow(i: Json): Row {
  return {
    id: str(i, "ID"),
    containers: num(i, "Containers"),
    containers_running: num(i, "ContainersRunning"),
    containers_paused: num(i, "ContainersPaused"),
    containers_stopped: num(i, "ContainersStopped"),
    images: num(i, "Images"),
    storage_driver: str(i, "Driver"),
    memory_limit: flag(i, "MemoryLimit"),
    swap_limit: flag(i, "SwapLimit"),
    kernel_memory: flag(i, "KernelMemory"),
    cpu_cfs_period: flag(i, "CpuCfsPeriod"),
    cpu_cfs_quota: flag(i, "CpuCfsQuota"),
    cpu_shares: flag(i, "CPUShares"),
    cpu_set: flag(i, "CPUSet"),
    ipv4_forwarding: flag(i, "IPv4Forwarding"),
    bridge_nf_iptables: flag(i, "BridgeNfIptables"),
    bridge_nf_ip6tables: flag(i, "BridgeNfIp6tables"),
    oom_kill_disable: flag(i, "OomKillDisable"),
    logging_driver: str(i, "LoggingDriver"),
    cgroup_driver: str(i, "CgroupDriver"),
    kernel_version: str(i, "KernelVersion"),
    os: str(i, "OperatingSystem"),
    os_type: str(i, "OSType"),
    architecture: str(i, "Architecture"),
    cpus: num(i, "NCPU"),
    memory: num(i, "MemTotal"),
    http_proxy: str(i, "HttpProxy"),
    https_proxy: str(i, "HttpsProxy"),
    no_proxy: str(i, "NoProxy"),
    name: str(i, "Name"),
    server_version: str(i, "ServerVersion"),
    root_dir: str(i, "DockerRootDir"),
  };
}
