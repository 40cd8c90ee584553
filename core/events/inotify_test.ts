import { assertEquals } from "../../testing/assert.ts";
import { InotifyPublisher, raiseQueueLimit } from "./inotify.ts";
import { flags } from "../flags/flags.ts";
import { inotifyRecord } from "../../testing/inotify_records.ts";
import { concatBytes } from "../bytes.ts";

Deno.test("inotify: repeats for one waiting file are coalesced, creations are not, overflows are counted", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "osq-inotify-" });
  // The kernel's limit stays as it is: the publisher raises a stand-in file.
  Deno.writeTextFileSync(`${dir}/.sysctl`, "16384\n");
  const publisher = new InotifyPublisher({ queueSysctl: `${dir}/.sysctl` });
  const seen: string[] = [];
  publisher.listen((c) => seen.push(`${c.action} ${c.path.slice(dir.length + 1)}`));
  publisher.configure([{ category: "t", pattern: `${dir}/%%`, accesses: false }]);
  flags.set("enable_file_events", true);
  try {
    await publisher.start();
    assertEquals(publisher.queueLimit, 524288);
    const refreshes = publisher.refreshes;
    const [MODIFY, CLOSE_WRITE, CREATE, DELETE, OVERFLOW] = [0x2, 0x8, 0x100, 0x200, 0x4000];
    publisher.feed(
      concatBytes([
        inotifyRecord(1, MODIFY, "a"),
        inotifyRecord(1, MODIFY, "a"),
        inotifyRecord(1, CLOSE_WRITE, "a"),
        inotifyRecord(1, CREATE, "b"),
        inotifyRecord(-1, OVERFLOW, ""),
        inotifyRecord(1, MODIFY, "a"),
        inotifyRecord(1, DELETE, "b"),
        inotifyRecord(1, CREATE, "b"),
        inotifyRecord(1, MODIFY, "b"),
      ]),
      true,
    );
    assertEquals(seen, ["UPDATED a", "CREATED b", "DELETED b", "CREATED b", "UPDATED b"]);
    assertEquals(publisher.coalesced, 3);
    assertEquals(publisher.overflows, 1);
    assertEquals(publisher.refreshes, refreshes + 1, "an overflow shows as a refresh, as osquery restarts the loop");
    // Once delivered, the next change of the file is an event again.
    publisher.feed(inotifyRecord(1, MODIFY, "a"), true);
    assertEquals(seen.at(-1), "UPDATED a");
    // A deletion ends the run of repeats before it: the change after it waits on its own.
    const before = seen.length;
    publisher.feed(
      concatBytes([inotifyRecord(1, MODIFY, "c"), inotifyRecord(1, DELETE, "c"), inotifyRecord(1, MODIFY, "c")]),
      true,
    );
    assertEquals(seen.slice(before), ["UPDATED c", "DELETED c", "UPDATED c"]);
    assertEquals(publisher.coalesced, 3);
  } finally {
    await publisher.stop();
    flags.set("enable_file_events", false);
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("inotify: the queue limit is raised when lower, never lowered, and read when it cannot be written", () => {
  const dir = Deno.makeTempDirSync({ prefix: "osq-inotify-sysctl-" });
  try {
    const path = `${dir}/max_queued_events`;
    Deno.writeTextFileSync(path, "16384\n");
    assertEquals(raiseQueueLimit(path, 524288), 524288);
    assertEquals(Deno.readTextFileSync(path).trim(), "524288");
    Deno.writeTextFileSync(path, "1048576\n");
    assertEquals(raiseQueueLimit(path, 524288), 1048576);
    assertEquals(raiseQueueLimit(`${dir}/missing/x`, 524288), 0);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
