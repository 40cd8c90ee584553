import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { events } from "../../core/events/system.ts";

export default registerTable(defineTable({
  name: "osquery_events",
  description: "The event publishers and subscribers of this process, with their activity.",
  attributes: { utility: true },
  // The publishers and subscribers run on the daemon's main thread; a query thread has none.
  thread: "main",
  columns: [
    { name: "name", type: "TEXT" },
    { name: "publisher", type: "TEXT" },
    { name: "type", type: "TEXT" },
    { name: "subscriptions", type: "INTEGER" },
    { name: "events", type: "INTEGER" },
    { name: "refreshes", type: "INTEGER" },
    { name: "active", type: "INTEGER" },
  ],
  generate() {
    const rows: Row[] = [];
    const subscribers = events.subscribers();
    for (const p of events.publishers()) {
      const mine = subscribers.filter((s) => s.publisher === p.name);
      rows.push({
        name: p.name,
        publisher: p.name,
        type: "publisher",
        subscriptions: mine.reduce((n, s) => n + s.subscriptions, 0),
        events: mine.reduce((n, s) => n + s.total, 0),
        refreshes: p.refreshes,
        active: p.active ? 1 : 0,
      });
    }
    for (const s of subscribers) {
      const publisher = events.publishers().find((p) => p.name === s.publisher);
      rows.push({
        name: s.name,
        publisher: s.publisher,
        type: "subscriber",
        subscriptions: s.subscriptions,
        events: s.total,
        refreshes: 0,
        active: publisher?.active ? 1 : 0,
      });
    }
    return rows;
  },
}));
