/**
 * `yara_events`: files under the config's `file_paths` categories that `yara.file_paths` maps to
 * signature groups are scanned with those groups when they are created, updated or moved in.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { events, eventTableRows } from "../../core/events/system.ts";
import { inotifyPublisher } from "../../core/events/publishers.ts";
import { onConfigSection } from "../../core/config/sections.ts";
import { groupRuleSet, scanFile } from "./_yara.ts";

export default registerTable(defineTable({
  name: "yara_events",
  description: "YARA matches in files as they are created or changed under the config's yara file_paths.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "main",
  columns: [
    { name: "target_path", type: "TEXT", description: "The file that changed and was scanned." },
    { name: "category", type: "TEXT", description: "The file_paths category the file falls under." },
    { name: "action", type: "TEXT", description: "What happened to the file (CREATED, UPDATED, MOVED_TO)." },
    { name: "matches", type: "TEXT", description: "Names of the rules that matched, comma-separated." },
    { name: "count", type: "INTEGER", description: "How many rules matched." },
    {
      name: "strings",
      type: "TEXT",
      description: "The matched string identifiers with their hex offsets, comma-separated.",
    },
    { name: "tags", type: "TEXT", description: "Tags of the matching rules, comma-separated." },
    { name: "time", type: "BIGINT", description: "Unix time (seconds) the change was scanned." },
    { name: "eid", type: "TEXT", hidden: true, linuxHidden: true, description: "The event's id in the store." },
    {
      name: "transaction_id",
      type: "BIGINT",
      linuxHidden: true,
      description: "inotify's cookie tying the two halves of a move together (0 otherwise).",
    },
  ],
  generate(ctx) {
    return eventTableRows(subscriber, ctx);
  },
}));

const subscriber = events.subscriber("yara_events", "inotify");
subscriber.countSubscriptions = () => categoryGroups.size;
/** Category → signature groups, from the config's `yara.file_paths`. */
let categoryGroups = new Map<string, string[]>();

/** Reads `yara.file_paths` (`{"category": ["group", ...]}`); malformed parts are ignored. */
export function configureYaraEvents(section: unknown): void {
  const next = new Map<string, string[]>();
  const paths = (section as { file_paths?: unknown } | null | undefined)?.file_paths;
  if (paths && typeof paths === "object" && !Array.isArray(paths)) {
    for (const [category, groups] of Object.entries(paths as Record<string, unknown>)) {
      if (Array.isArray(groups)) next.set(category, groups.filter((g): g is string => typeof g === "string"));
    }
  }
  categoryGroups = next;
  inotifyPublisher.demanded = next.size > 0;
  inotifyPublisher.startIfDemanded().catch((err) => console.error(`W yara_events: ${(err as Error).message}`));
}
onConfigSection("yara", configureYaraEvents);

inotifyPublisher.listen((change) => {
  if (change.action !== "CREATED" && change.action !== "UPDATED" && change.action !== "MOVED_TO") return;
  const groups = categoryGroups.get(change.subscription.category);
  if (!groups) return;
  const row = {
    target_path: change.path,
    category: change.subscription.category,
    action: change.action,
    transaction_id: change.cookie,
    matches: "",
    count: 0,
    strings: "",
    tags: "",
  };
  const join = (a: string, b: string) => (a && b ? `${a},${b}` : a || b);
  for (const group of groups) {
    let rules;
    try {
      rules = groupRuleSet(group);
    } catch {
      continue; // A group that does not compile is skipped, as osquery skips unknown groups.
    }
    if (!rules) continue;
    const hit = scanFile(rules, change.path);
    if (!hit) continue;
    row.matches = join(row.matches, hit.matches);
    row.strings = join(row.strings, hit.strings);
    row.tags = join(row.tags, hit.tags);
    row.count += hit.count;
  }
  subscriber.add(row);
});
