import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { entries, fractionDifference, idConstraints, list, num, str, tryDockerApi, unixTime } from "./_lib.ts";

export default registerTable(defineTable({
  name: "docker_container_stats",
  description: "A one-shot resource-usage sample of a Docker container: CPU, memory, disk and network.",
  columns: [
    { name: "id", type: "TEXT", required: true, index: true, collate: "nocase" },
    { name: "name", type: "TEXT", index: true },
    { name: "pids", type: "INTEGER" },
    { name: "read", type: "BIGINT" },
    { name: "preread", type: "BIGINT" },
    { name: "interval", type: "BIGINT" },
    { name: "disk_read", type: "BIGINT" },
    { name: "disk_write", type: "BIGINT" },
    { name: "num_procs", type: "INTEGER" },
    { name: "cpu_total_usage", type: "BIGINT" },
    { name: "cpu_kernelmode_usage", type: "BIGINT" },
    { name: "cpu_usermode_usage", type: "BIGINT" },
    { name: "system_cpu_usage", type: "BIGINT" },
    { name: "online_cpus", type: "INTEGER" },
    { name: "pre_cpu_total_usage", type: "BIGINT" },
    { name: "pre_cpu_kernelmode_usage", type: "BIGINT" },
    { name: "pre_cpu_usermode_usage", type: "BIGINT" },
    { name: "pre_system_cpu_usage", type: "BIGINT" },
    { name: "pre_online_cpus", type: "INTEGER" },
    { name: "memory_usage", type: "BIGINT" },
    { name: "memory_cached", type: "BIGINT" },
    { name: "memory_inactive_file", type: "BIGINT" },
    { name: "memory_total_inactive_file", type: "BIGINT" },
    { name: "memory_max_usage", type: "BIGINT" },
    { name: "memory_limit", type: "BIGINT" },
    { name: "network_rx_bytes", type: "BIGINT" },
    { name: "network_tx_bytes", type: "BIGINT" },
  ],
  generate(ctx) {
    const rows: Row[] = [];
    for (const id of idConstraints(ctx, "id")) {
      const s = tryDockerApi(`/containers/${id}/stats?stream=false`);
      if (s === undefined || s === null || typeof s !== "object") continue;
      const read = str(s, "read");
      const preread = str(s, "preread");
      const io = list(s, "blkio_stats.io_service_bytes_recursive");
      const ioBytes = (op: string) =>
        io.filter((e) => str(e, "op").toLowerCase() === op).reduce((sum: number, e) => sum + num(e, "value"), 0);
      const networks = entries(s, "networks").map(([, n]) => n);
      rows.push({
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
      });
    }
    return rows;
  },
}));
