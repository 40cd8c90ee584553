import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { defineFlag, flags, type FlagValue } from "../../core/flags.ts";
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

const subscriber = events.subscriber("syslog_events", "syslog");
subscriber.subscriptions = 1;

/**
 * Runs `fn` with the shared event limits replaced by syslog's own, as osquery gives this
 * subscriber its own expiry and cap. The swap is synchronous, so nothing else sees it.
 */
function withSyslogLimits<T>(fn: () => T): T {
  const saved: [string, FlagValue, ReturnType<typeof flags.source>][] = [
    ["events_expiry", flags.get("events_expiry"), flags.source("events_expiry")],
    ["events_max", flags.get("events_max"), flags.source("events_max")],
  ];
  flags.set("events_expiry", flags.get("syslog_events_expiry"), saved[0][2]);
  flags.set("events_max", flags.get("syslog_events_max"), saved[1][2]);
  try {
    return fn();
  } finally {
    for (const [name, value, source] of saved) flags.set(name, value, source);
  }
}

syslogPublisher.listen((record) => {
  withSyslogLimits(() => subscriber.add({ ...record }));
});

export default registerTable(defineTable({
  name: "syslog_events",
  aliases: ["syslog"],
  description: "Syslog messages rsyslog forwards through the --syslog_pipe_path named pipe.",
  attributes: { event_subscriber: true },
  event: true,
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
    return withSyslogLimits(() => eventTableRows(subscriber, ctx));
  },
}));
