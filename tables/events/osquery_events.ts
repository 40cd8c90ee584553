/**
 * `osquery_events`: the event publishers and subscribers of this process and their counters.
 *
 * @module
 */
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
    { name: "name", type: "TEXT", description: "The publisher's or subscriber's name." },
    { name: "publisher", type: "TEXT", description: "The publisher it belongs to (itself, for a publisher)." },
    { name: "type", type: "TEXT", description: "publisher or subscriber." },
    {
      name: "subscriptions",
      type: "INTEGER",
      description: "How many subscriptions a publisher serves or a subscriber holds.",
    },
    { name: "events", type: "INTEGER", description: "How many events were published or received since osq started." },
    { name: "refreshes", type: "INTEGER", description: "How often a publisher's loop restarted (0 for subscribers)." },
    { name: "active", type: "INTEGER", description: "1 when it is running, else 0." },
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
        subscriptions: mine.reduce((n, s) => n + s.countSubscriptions(), 0),
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
        subscriptions: s.countSubscriptions(),
        events: s.total,
        refreshes: 0,
        active: publisher?.active ? 1 : 0,
      });
    }
    return rows;
  },
}));
