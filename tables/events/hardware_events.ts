/**
 * `hardware_events`: devices added, removed or changed, from udev's netlink messages.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { defineFlag, flags } from "../../core/flags/flags.ts";
import { events, eventTableRows } from "../../core/events/system.ts";
import { udevPublisher } from "../../core/events/publishers.ts";
import type { UeventProperties } from "../../core/events/udev.ts";

export default registerTable(defineTable({
  name: "hardware_events",
  description: "Devices added to, removed from or changed on this host, as udev reports them.",
  attributes: { event_subscriber: true },
  event: true,
  thread: "any",
  columns: [
    { name: "action", type: "TEXT", description: "What happened to the device (add, remove, change, ...)." },
    { name: "path", type: "TEXT", description: "The device node, when it has one (e.g. /dev/sdb)." },
    { name: "type", type: "TEXT", description: "The device type udev reports (disk, usb_device, ...)." },
    { name: "driver", type: "TEXT", description: "The driver bound to the device." },
    { name: "vendor", type: "TEXT", description: "The vendor's name from the hardware database." },
    { name: "vendor_id", type: "TEXT", collate: "nocase", description: "The vendor id, in hex." },
    { name: "model", type: "TEXT", description: "The model's name from the hardware database." },
    { name: "model_id", type: "TEXT", collate: "nocase", description: "The model id, in hex." },
    { name: "serial", type: "TEXT", description: "The device's serial number, if it reports one." },
    { name: "revision", type: "TEXT", description: "The device's revision, if it reports one." },
    { name: "time", type: "BIGINT", additional: true, description: "Unix time (seconds) the event happened." },
    { name: "eid", type: "TEXT", hidden: true, linuxHidden: true, description: "The event's id in the event store." },
  ],
  generate(ctx) {
    return eventTableRows(subscriber, ctx);
  },
}));

defineFlag({
  name: "hardware_disabled_types",
  type: "string",
  default: "partition",
  description: "Device types (comma-separated) whose hardware events are not recorded",
});

const subscriber = events.subscriber("hardware_events", "udev");
subscriber.countSubscriptions = () => 1;

/** The row osquery records for a device event, or undefined for events it skips. */
export function hardwareEventRow(event: UeventProperties): Record<string, string> | undefined {
  const type = event.get("DEVTYPE") ?? "";
  const path = event.get("DEVNAME") ? `/dev/${event.get("DEVNAME")}` : "";
  const driver = event.get("DRIVER") ?? "";
  if (!type || (!path && !driver)) return undefined;
  // osquery matches disabled types as a substring of the flag's text.
  if (flags.string("hardware_disabled_types").includes(type)) return undefined;
  const model = event.get("ID_MODEL_FROM_DATABASE") ?? "";
  if (!path && !model) return undefined;
  return {
    action: event.get("ACTION") ?? "",
    path,
    type,
    driver,
    vendor: event.get("ID_VENDOR_FROM_DATABASE") ?? "",
    vendor_id: event.get("ID_VENDOR_ID") ?? "",
    model,
    model_id: event.get("ID_MODEL_ID") ?? "",
    serial: event.get("ID_SERIAL_SHORT") ?? "",
    revision: event.get("ID_REVISION") ?? "",
  };
}

udevPublisher.listen((event) => {
  const row = hardwareEventRow(event);
  if (row) subscriber.add(row);
});
