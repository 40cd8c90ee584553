/**
 * `docker_container_stats`: one resource-usage sample of a container from the daemon's stats endpoint
 * (the daemon takes about a second to answer).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import {
  CONTAINER_ID_COLUMN,
  entries,
  fractionDifference,
  type Json,
  list,
  num,
  perContainer,
  str,
  unixTime,
} from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_container_stats",
  description: "A one-shot resource-usage sample of a Docker container: CPU, memory, disk and network.",
  columns: [
    CONTAINER_ID_COLUMN,
    { name: "name", type: "TEXT", index: true, description: "The container's name." },
    { name: "pids", type: "INTEGER", description: "How many processes the container has." },
    { name: "read", type: "BIGINT", description: "Unix time (seconds) of this sample." },
    { name: "preread", type: "BIGINT", description: "Unix time (seconds) of the previous sample." },
    { name: "interval", type: "BIGINT", description: "Nanoseconds between the two samples." },
    { name: "disk_read", type: "BIGINT", description: "Bytes read from block devices." },
    { name: "disk_write", type: "BIGINT", description: "Bytes written to block devices." },
    { name: "num_procs", type: "INTEGER", description: "Number of processors (Windows only; 0 on Linux)." },
    { name: "cpu_total_usage", type: "BIGINT", description: "CPU time used by the container, in nanoseconds." },
    { name: "cpu_kernelmode_usage", type: "BIGINT", description: "CPU time used in kernel mode, in nanoseconds." },
    { name: "cpu_usermode_usage", type: "BIGINT", description: "CPU time used in user mode, in nanoseconds." },
    { name: "system_cpu_usage", type: "BIGINT", description: "CPU time used by the whole host, in nanoseconds." },
    { name: "online_cpus", type: "INTEGER", description: "CPUs online." },
    { name: "pre_cpu_total_usage", type: "BIGINT", description: "cpu_total_usage at the previous sample." },
    { name: "pre_cpu_kernelmode_usage", type: "BIGINT", description: "cpu_kernelmode_usage at the previous sample." },
    { name: "pre_cpu_usermode_usage", type: "BIGINT", description: "cpu_usermode_usage at the previous sample." },
    { name: "pre_system_cpu_usage", type: "BIGINT", description: "system_cpu_usage at the previous sample." },
    { name: "pre_online_cpus", type: "INTEGER", description: "online_cpus at the previous sample." },
    { name: "memory_usage", type: "BIGINT", description: "Memory in use, in bytes." },
    { name: "memory_cached", type: "BIGINT", description: "Page cache memory, in bytes (cgroup v1)." },
    { name: "memory_inactive_file", type: "BIGINT", description: "Inactive file-backed memory, in bytes." },
    {
      name: "memory_total_inactive_file",
      type: "BIGINT",
      description: "Inactive file-backed memory including descendants, in bytes (cgroup v1).",
    },
    { name: "memory_max_usage", type: "BIGINT", description: "Highest memory use recorded, in bytes (cgroup v1)." },
    { name: "memory_limit", type: "BIGINT", description: "The memory limit, in bytes." },
    { name: "network_rx_bytes", type: "BIGINT", description: "Bytes received, over all interfaces." },
    { name: "network_tx_bytes", type: "BIGINT", description: "Bytes sent, over all interfaces." },
  ],
  generate(ctx) {
    return perContainer(
      ctx,
      (id) => `/containers/${id}/stats?stream=false`,
      (id, sample) =>
        sample !== undefined && sample !== null && typeof sample === "object" ? [statsRow(id, sample)] : [],
    );
  },
}));

/** The row of one stats sample `s` of container `id` (sums over block devices and interfaces). */
function statsRow(id: string, s: Json): Row {
  const read = str(s, "read");
  const preread = str(s, "preread");
  const io = list(s, "blkio_stats.io_service_bytes_recursive");
  const ioBytes = (op: string) =>
    io.filter((e) => str(e, "op").toLowerCase() === op).reduce((sum: number, e) => sum + num(e, "value"), 0);
  const networks = entries(s, "networks").map(([, n]) => n);
  return {
    id,
    name: str(s, "name"),
    pids: num(s, "pids_stats.current"),
    read: unixTime(read),
    preread: unixTime(preread),
    interval: (unixTime(read) - unixTime(preread)) * 1_000_000_000 + fractionDifference(read, preread),
    disk_read: ioBytes("read"),
    disk_write: ioBytes("write"),
    num_procs: num(s, "num_procs"),
    cpu_total_usage: num(s, "cpu_stats.cpu_usage.total_usage"),
    cpu_kernelmode_usage: num(s, "cpu_stats.cpu_usage.usage_in_kernelmode"),
    cpu_usermode_usage: num(s, "cpu_stats.cpu_usage.usage_in_usermode"),
    system_cpu_usage: num(s, "cpu_stats.system_cpu_usage"),
    online_cpus: num(s, "cpu_stats.online_cpus"),
    pre_cpu_total_usage: num(s, "precpu_stats.cpu_usage.total_usage"),
    pre_cpu_kernelmode_usage: num(s, "precpu_stats.cpu_usage.usage_in_kernelmode"),
    pre_cpu_usermode_usage: num(s, "precpu_stats.cpu_usage.usage_in_usermode"),
    pre_system_cpu_usage: num(s, "precpu_stats.system_cpu_usage"),
    pre_online_cpus: num(s, "precpu_stats.online_cpus"),
    memory_usage: num(s, "memory_stats.usage"),
    memory_cached: num(s, "memory_stats.stats.cache"),
    memory_inactive_file: num(s, "memory_stats.stats.inactive_file"),
    memory_total_inactive_file: num(s, "memory_stats.stats.total_inactive_file"),
    memory_max_usage: num(s, "memory_stats.max_usage"),
    memory_limit: num(s, "memory_stats.limit"),
    network_rx_bytes: networks.reduce((sum: number, n) => sum + num(n, "rx_bytes"), 0),
    network_tx_bytes: networks.reduce((sum: number, n) => sum + num(n, "tx_bytes"), 0),
  };
}
