/**
 * osquery_packs: the daemon's packs, whether each is active and how its discovery ran.
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readSchedule } from "../../core/results/scheduler.ts";

export default registerTable(defineTable({
  name: "osquery_packs",
  description: "Query packs of the running daemon: filters, discovery counters and whether each is active.",
  attributes: { utility: true },
  columns: [
    { name: "name", type: "TEXT" },
    { name: "platform", type: "TEXT" },
    { name: "version", type: "TEXT", collate: "version" },
    { name: "shard", type: "INTEGER" },
    { name: "discovery_cache_hits", type: "INTEGER" },
    { name: "discovery_executions", type: "INTEGER" },
    { name: "active", type: "INTEGER" },
  ],
  generate() {
    return (readSchedule()?.packs ?? []).map((p) => ({
      name: p.name,
      platform: p.platform,
      version: p.version,
      shard: p.shard,
      discovery_cache_hits: p.discoveryCacheHits,
      discovery_executions: p.discoveryExecutions,
      active: p.active ? 1 : 0,
    }));
  },
}));
