import { EventSubscriber, eventTableRows } from "./system.ts";
import { parseUevent } from "./udev.ts";
import { actionOf, fileSubscriptions, patternToRegExp, watchRoot } from "./inotify.ts";
import { flags } from "../flags/flags.ts";
import { OP, QueryContext } from "../table.ts";
import { assert, assertEquals } from "../../testing/assert.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("event subscriber: stamps time and eid, caps at --events_max, expires after --events_expiry", () => {
  flags.set("events_max", 3);
  const s = new EventSubscriber("test_events", "test");
  for (let i = 0; i < 5; i++) s.add({ n: i }, 1000 + i);
  assertEquals(s.rows().map((r) => r.n), [2, 3, 4]);
  assertEquals(s.rows()[0].eid, "0000000003");
  assertEquals(s.total, 5);
  flags.set("events_expiry", 2);
  s.expire(1005);
  assertEquals(s.rows().map((r) => r.time), [1003, 1004]);
  flags.set("events_max", 50000);
  flags.set("events_expiry", 3600);
});

Deno.test("event tables: time constraints select the window", () => {
  const s = new EventSubscriber("window_events", "test");
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < 5; i++) s.add({ n: i }, now - 10 + i);
  const ctx = new QueryContext(
    "window_events",
    new Map([["time", [{ op: OP.GREATER_THAN, value: now - 9 }, {
      op: OP.LESS_THAN_OR_EQUALS,
      value: now - 7,
    }]]]),
  );
  assertEquals(eventTableRows(s, ctx).map((r) => r.n), [2, 3]);
});

Deno.test("udev: parses kernel uevents and udevd's libudev messages; rejects garbage", () => {
  const kernel = parseUevent(
    enc(
      "add@/devices/pci0000:00/usb1/1-1\0ACTION=add\0DEVPATH=/devices/x\0DEVTYPE=usb_device\0DEVNAME=bus/usb/001/002\0",
    ),
  );
  assertEquals(kernel?.get("DEVTYPE"), "usb_device");
  assertEquals(kernel?.get("DEVNAME"), "bus/usb/001/002");
  const props = enc("ACTION=remove\0DEVTYPE=disk\0DEVNAME=sdb\0ID_MODEL_FROM_DATABASE=Flash Drive\0");
  const msg = new Uint8Array(40 + props.length);
  msg.set(enc("libudev\0"));
  const view = new DataView(msg.buffer);
  view.setUint32(8, 0xfeedcafe, false);
  view.setUint32(12, 40, true);
  view.setUint32(16, 40, true);
  view.setUint32(20, props.length, true);
  msg.set(props, 40);
  const udev = parseUevent(msg);
  assertEquals(udev?.get("ACTION"), "remove");
  assertEquals(udev?.get("ID_MODEL_FROM_DATABASE"), "Flash Drive");
  assertEquals(parseUevent(enc("no at sign here")), undefined);
  view.setUint32(20, 100000, true);
  assertEquals(parseUevent(msg), undefined);
});

Deno.test("inotify: masks map to osquery's actions; patterns match like osquery's globs", () => {
  assertEquals(actionOf(0x100), "CREATED");
  assertEquals(actionOf(0x8), "UPDATED");
  assertEquals(actionOf(0x4), "ATTRIBUTES_MODIFIED");
  assertEquals(actionOf(0x20), "OPENED");
  assert(patternToRegExp("/etc/%%").test("/etc/ssh/sshd_config"));
  assert(patternToRegExp("/etc/%").test("/etc/passwd"));
  assert(!patternToRegExp("/etc/%").test("/etc/ssh/sshd_config"));
  assert(patternToRegExp("/home/%/.ssh/%").test("/home/ann/.ssh/authorized_keys"));
  assert(patternToRegExp("/tmp/*.conf").test("/tmp/a.conf"));
  assertEquals(watchRoot("/etc/%%"), { dir: "/etc", recursive: true });
  assertEquals(watchRoot("/home/%/.ssh/%"), { dir: "/home", recursive: true });
  assertEquals(watchRoot("/etc"), { dir: "/etc", recursive: false });
});

Deno.test("inotify: config file_paths, file_accesses and exclude_paths become subscriptions", () => {
  assertEquals(fileSubscriptions({ etc: ["/etc/%%"], homes: ["/home/%/.ssh/%"] }, ["homes"], { etc: ["/etc/mtab"] }), [
    { category: "etc", pattern: "/etc/%%", accesses: false, exclude: ["/etc/mtab"] },
    { category: "homes", pattern: "/home/%/.ssh/%", accesses: true, exclude: [] },
  ]);
});

Deno.test("event system: a second stop while stopping waits for the first to finish", async () => {
  const { EventSystem } = await import("./system.ts");
  const system = new EventSystem();
  let stopped = false;
  system.addPublisher({
    name: "slow",
    active: true,
    refreshes: 0,
    start: () => Promise.resolve(),
    stop: () => new Promise<void>((r) => setTimeout(() => (stopped = true, r()), 50)),
  });
  await system.start();
  const first = system.stop();
  await system.stop();
  assert(stopped, "the second stop returned before the publisher stopped");
  await first;
});
