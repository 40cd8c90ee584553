/**
 * What the audit-fed event tables share: a subscriber on the audit publisher that takes events
 * only while the table's `--audit_allow_*` flag is on, and the columns of tables that report raw
 * audit messages.
 *
 * @module
 */
import { flags } from "../../core/flags/flags.ts";
import type { ColumnSpec, QueryContext, Row } from "../../core/table.ts";
import { type EventRow, events, eventTableRows } from "../../core/events/system.ts";
import { auditPublisher } from "../../core/events/publishers.ts";
import type { AuditEvent } from "../../core/events/audit_records.ts";

/** An event table fed by the audit publisher. */
export interface AuditSubscription {
  /** The table's rows for a query (expired events dropped, `time` constraints applied). */
  rows(ctx: QueryContext): EventRow[];
}

/**
 * Subscribes the event table `name` to the audit publisher: while `flag` is on, each assembled
 * event goes to `onEvent`, which hands rows to `add`. The subscriber counts `subscriptions()`
 * subscriptions while the flag is on (default one), none while it is off.
 */
export function auditSubscription(
  name: string,
  flag: string,
  onEvent: (event: AuditEvent, add: (row: Row) => void) => void,
  subscriptions: () => number = () => 1,
): AuditSubscription {
  const subscriber = events.subscriber(name, auditPublisher.name);
  const add = (row: Row) => subscriber.add(row);
  subscriber.countSubscriptions = () => flags.bool(flag) ? subscriptions() : 0;
  auditPublisher.listen((event) => {
    if (flags.bool(flag)) onEvent(event, add);
  });
  return {
    rows(ctx) {
      return eventTableRows(subscriber, ctx);
    },
  };
}

/** The columns of a table of raw audit messages (selinux_events, apparmor_events), before its own. */
export const AUDIT_MESSAGE_COLUMNS: ColumnSpec[] = [
  { name: "type", type: "TEXT", description: "The audit record type (e.g. AVC, MAC_POLICY_LOAD)." },
  { name: "message", type: "TEXT", description: "The audit message text as the kernel wrote it." },
  { name: "time", type: "BIGINT", additional: true, description: "Unix time (seconds) the event happened." },
  { name: "uptime", type: "BIGINT", description: "System uptime (seconds) when the event happened." },
  { name: "eid", type: "TEXT", hidden: true, linuxHidden: true, description: "The event's id in the event store." },
];
