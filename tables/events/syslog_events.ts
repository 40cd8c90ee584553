import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { defineFlag } from "../../core/flags/flags.ts";
import { events, eventTableRows } from "../../core/events/system.ts";
import { syslogPublisher } from "../../core/events/publishers.ts";

defineFlag({
  name: "syslog_events_expiry",
  type: "uint64",
  default: 60 * 60 * 24 * 30,
  description: "Seconds a syslog event is kept (30 days by default), instead of --events_expiry",
});
defineFlag({
  name: "syslog_events_max",
  type: "uint64",
  default: 100000,
  description: "Most syslog events kept (oldest dropped first), instead of --events_max",
});

// osquery gives this subscriber its own expiry and cap.
const subscriber = events.subscriber("syslog_events", "syslog", {
  expiryFlag: "syslog_events_expiry",
  maxFlag: "syslog_events_max",
});
subscriber.subscriptions = 1;

syslogPublisher.listen((record) => {
  subscriber.add({ ...record });
});

export default registerTable(defineTable({
  name: "syslog_events",
  aliases: ["syslog"],
  description: "Syslog messages rsyslog forwards through the --syslog_pipe_path named pipe.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
  columns: [
    { name: "time", type: "BIGINT", additional: true },
    { name: "datetime", type: "TEXT" },
    { name: "host", type: "TEXT" },
    { name: "severity", type: "INTEGER" },
    { name: "facility", type: "TEXT" },
    { name: "tag", type: "TEXT" },
    { name: "message", type: "TEXT" },
    { name: "eid", type: "TEXT", hidden: true, linuxHidden: true },
  ],
  generate(ctx) {
    return eventTableRows(subscriber, ctx);
  },
}));
