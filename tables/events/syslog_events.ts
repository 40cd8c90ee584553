/**
 * `syslog_events` (alias `syslog`): messages rsyslog writes to osq's named pipe.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { defineFlag } from "../../core/flags/flags.ts";
import { events, eventTableRows } from "../../core/events/system.ts";
import { syslogPublisher } from "../../core/events/publishers.ts";

export default registerTable(defineTable({
  name: "syslog_events",
  aliases: ["syslog"],
  description: "Syslog messages rsyslog forwards through the --syslog_pipe_path named pipe.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
  columns: [
    { name: "time", type: "BIGINT", additional: true, description: "Unix time (seconds) osq received the message." },
    { name: "datetime", type: "TEXT", description: "The message's own timestamp, as syslog wrote it." },
    { name: "host", type: "TEXT", description: "The host name in the message." },
    { name: "severity", type: "INTEGER", description: "The syslog severity (0 emergency to 7 debug)." },
    { name: "facility", type: "TEXT", description: "The syslog facility (kern, user, auth, ...)." },
    { name: "tag", type: "TEXT", description: "The program tag of the message." },
    { name: "message", type: "TEXT", description: "The message text." },
    { name: "eid", type: "TEXT", hidden: true, linuxHidden: true, description: "The event's id in the event store." },
  ],
  generate(ctx) {
    return eventTableRows(subscriber, ctx);
  },
}));

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
subscriber.countSubscriptions = () => 1;

syslogPublisher.listen((record) => {
  subscriber.add({ ...record });
});
