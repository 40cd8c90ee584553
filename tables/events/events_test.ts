import "./mod.ts";
import { Engine } from "../../core/engine.ts";
import { flags } from "../../core/flags/flags.ts";
import { events } from "../../core/events/system.ts";
import { inotifyPublisher, udevPublisher } from "../../core/events/publishers.ts";
import { hardwareEventRow } from "./hardware_events.ts";
import { fileEventReads } from "./file_events.ts";
import { inotifyRecord } from "../../testing/inotify_records.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { waitFor } from "../../testing/wait.ts";
import { createHash } from "node:crypto";
import { concatBytes } from "../../core/bytes.ts";

Deno.test("hardware_events: osquery's filters — a type, a device node or driver, and no disabled types", () => {
  const base = new Map([["ACTION", "add"], ["DEVTYPE", "usb_device"], ["DEVNAME", "bus/usb/001/002"]]);
  assertEquals(hardwareEventRow(base)?.path, "/dev/bus/usb/001/002");
  assertEquals(hardwareEventRow(new Map([["ACTION", "add"], ["DEVNAME", "x"]])), undefined);
  assertEquals(hardwareEventRow(new Map([...base, ["DEVTYPE", "partition"]])), undefined);
  assertEquals(
    hardwareEventRow(new Map([["ACTION", "add"], ["DEVTYPE", "usb_interface"], ["DRIVER", "usb"]])),
    undefined,
  );
  const withModel = hardwareEventRow(
    new Map([["ACTION", "add"], ["DEVTYPE", "usb_interface"], ["DRIVER", "usbhid"], [
      "ID_MODEL_FROM_DATABASE",
      "Keyboard",
    ]]),
  );
  assertEquals(withModel?.model, "Keyboard");
});

Deno.test("hardware_events: a dispatched uevent becomes a row with time and eid", () => {
  const e = new Engine();
  const before = e.query("select count(*) n from hardware_events")[0].n as number;
  udevPublisher.dispatch(
    new TextEncoder().encode("add@/devices/x\0ACTION=add\0DEVTYPE=disk\0DEVNAME=sdz\0DRIVER=sd\0"),
  );
  const rows = e.query(
    "select action, path, type, driver, time > 0 as timed from hardware_events where path = '/dev/sdz'",
  );
  assertEquals(rows, [{ action: "add", path: "/dev/sdz", type: "disk", driver: "sd", timed: 1 }]);
  assertEquals(e.query("select count(*) n from hardware_events")[0].n, before + 1);
  e.close();
});

Deno.test("file_events: inotify reports creations (hashed), updates and deletions under file_paths", async () => {
  const dir = await Deno.makeTempDir();
  flags.set("enable_file_events", true);
  inotifyPublisher.configure([{ category: "tmp", pattern: `${dir}/%%`, accesses: false }]);
  await events.start();
  try {
    const watched = inotifyPublisher.watchCount;
    // osquery_events counts the watches before any file_events scan (scans may run on other threads).
    const fresh = new Engine();
    assert(watched > 0);
    assertEquals(fresh.query("select subscriptions from osquery_events where name = 'file_events'"), [
      { subscriptions: watched },
    ]);
    fresh.close();
    await Deno.mkdir(`${dir}/sub`);
    // The new directory is watched once the publisher has read its creation.
    await waitFor("a watch on the new subdirectory", () => inotifyPublisher.watchCount > watched);
    await Deno.writeTextFile(`${dir}/sub/a.txt`, "hello");
    await Deno.writeTextFile(`${dir}/b.txt`, "x");
    await Deno.remove(`${dir}/b.txt`);
    const e = new Engine();
    const query = () =>
      e.query(
        `select target_path, category, action, hashed, sha256 from file_events where target_path like '${dir}/%'`,
      );
    const rows = await waitFor("the creation, hashed update and deletion in file_events", () => {
      const rows = query();
      const done = rows.some((r) => r.target_path === `${dir}/sub/a.txt` && r.action === "CREATED") &&
        rows.some((r) => r.target_path === `${dir}/sub/a.txt` && r.action === "UPDATED" && r.hashed === 1) &&
        rows.some((r) => r.target_path === `${dir}/b.txt` && r.action === "DELETED");
      return done ? rows : undefined;
    });
    const created = rows.find((r) => r.target_path === `${dir}/sub/a.txt` && r.action === "CREATED");
    assert(created, JSON.stringify(rows));
    assertEquals(created.category, "tmp");
    const updated = rows.find((r) => r.target_path === `${dir}/sub/a.txt` && r.action === "UPDATED" && r.hashed === 1);
    assertEquals(updated?.sha256, createHash("sha256").update("hello").digest("hex"));
    assert(rows.some((r) => r.target_path === `${dir}/b.txt` && r.action === "DELETED"));
    const [pub] = e.query("select active, subscriptions from osquery_events where name = 'inotify'");
    assertEquals(pub.active, 1);
    e.close();
  } finally {
    await events.stop();
    flags.set("enable_file_events", false);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file_events: a creation and its close-after-write delivered together share one read of the file; a later pass reads it again", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/f`;
  Deno.writeTextFileSync(path, "hello");
  flags.set("enable_file_events", true);
  inotifyPublisher.configure([{ category: "tmp", pattern: `${dir}/%%`, accesses: false }]);
  await events.start();
  try {
    const [CREATE, CLOSE_WRITE, DELETE] = [0x100, 0x8, 0x200];
    // The publisher's first watch (descriptor 1) is the watched directory.
    const feed = (...records: [number, string][]) =>
      inotifyPublisher.feed(concatBytes(records.map(([mask, name]) => inotifyRecord(1, mask, name))), true);
    const e = new Engine();
    const rows = () =>
      e.query(`select action, hashed, sha256, size from file_events where target_path = '${path}' order by eid`);
    const sha = (text: string) => createHash("sha256").update(text).digest("hex");
    const reads = fileEventReads.count;
    feed([CREATE, "f"], [CLOSE_WRITE, "f"]);
    assertEquals(fileEventReads.count - reads, 1, "both changes came in one pass: the file is read once");
    assertEquals(rows(), [
      { action: "CREATED", hashed: 1, sha256: sha("hello"), size: 5 },
      { action: "UPDATED", hashed: 1, sha256: sha("hello"), size: 5 },
    ]);
    // A change after the read comes in a later pass: the file is read again and shows it.
    Deno.writeTextFileSync(path, "bye");
    feed([CLOSE_WRITE, "f"]);
    assertEquals(rows().at(-1), { action: "UPDATED", hashed: 1, sha256: sha("bye"), size: 3 });
    // Another change of the file between them (a deletion) ends the sharing.
    const before = fileEventReads.count;
    feed([CREATE, "f"], [DELETE, "f"], [CREATE, "f"]);
    assertEquals(fileEventReads.count - before, 3);
    e.close();
  } finally {
    await events.stop();
    flags.set("enable_file_events", false);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("event tables: with events disabled a query warns and still answers", () => {
  flags.set("disable_events", true);
  const e = new Engine();
  assert(Array.isArray(e.query("select * from file_events")));
  assertEquals(e.query("select name, type from osquery_events where name = 'hardware_events'"), [
    { name: "hardware_events", type: "subscriber" },
  ]);
  e.close();
  flags.set("disable_events", false);
});
