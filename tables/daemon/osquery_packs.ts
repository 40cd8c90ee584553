/**
 * `osquery_packs`: the daemon's packs, whether each is active and how its discovery ran.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readSchedule } from "../../core/results/scheduler.ts";

export default registerTable(defineTable({
  name: "osquery_packs",
  description: "Query packs of the running daemon: filters, discovery counters and whether each is active.",
  attributes: { utility: true },
  columns: [
    { name: "name", type: "TEXT", description: "The pack's name in the config." },
    { name: "platform", type: "TEXT", description: "The platforms the pack is limited to (empty: all)." },
    { name: "version", type: "TEXT", collate: "version", description: "The oldest osquery version the pack runs on." },
    { name: "shard", type: "INTEGER", description: "Percentage of hosts (1-100) that run the pack; 0 means all." },
    {
      name: "discovery_cache_hits",
      type: "INTEGER",
      description: "How often the discovery result was reused from cache since the config was last loaded.",
    },
    {
      name: "discovery_executions",
      type: "INTEGER",
      description: "How often the discovery queries ran since the config was last loaded.",
    },
    {
      name: "active",
      type: "INTEGER",
      description: "1 when platform, version and discovery all allow the pack to run, else 0.",
    },
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
