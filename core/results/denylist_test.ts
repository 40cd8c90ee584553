import { assertEquals } from "../../testing/assert.ts";
import { openStore } from "../kv/store.ts";
import type { ScheduledQuery } from "../config/config.ts";
import { Denylist } from "./denylist.ts";

const query = (name: string, denylist = true) => ({ scheduledName: name, denylist } as ScheduledQuery);

Deno.test("denylist: after a watchdog kill only the query on the blamed thread is denylisted; every mark is cleared", async () => {
  const store = await openStore(":memory:");
  try {
    await store.set(["executing", "hog"], { since: 1, tid: 42 });
    await store.set(["executing", "bystander"], { since: 1, tid: 7 });
    const statuses: string[] = [];
    const list = new Denylist(store, (write) => write().then(() => {}), (_s, m) => void statuses.push(m));
    await list.recover(true, { tid: 42, reason: "memory", threadCpuMs: 10, rss: 2 * 1048576 });
    assertEquals(await list.has("hog"), true);
    assertEquals(await list.has("bystander"), false);
    assertEquals((await store.list(["executing"])).length, 0);
    assertEquals(await list.allowed(query("hog")), false);
    assertEquals(await list.allowed(query("hog")), false);
    assertEquals(statuses.filter((s) => s.startsWith("Skipping denylisted")).length, 1, "said once");
    // A query whose config says denylist: false runs anyway (and leaves the list).
    assertEquals(await list.allowed(query("hog", false)), true);
    assertEquals((await store.list(["denylist"])).length, 0);
  } finally {
    store.close();
  }
});

Deno.test("denylist: without the watchdog a crashed query is named but not denylisted", async () => {
  const store = await openStore(":memory:");
  try {
    await store.set(["executing", "q"], { since: 1, tid: 1 });
    const statuses: string[] = [];
    const list = new Denylist(store, (write) => write().then(() => {}), (_s, m) => void statuses.push(m));
    await list.recover(false, undefined);
    assertEquals(await list.has("q"), false);
    assertEquals(statuses, ["Scheduled query may have failed: q"]);
  } finally {
    store.close();
  }
});

Deno.test("denylist: marks a killed worker left in the marks file are blamed after the restart, then cleared", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    // The dying worker: two queries were running, one had finished.
    const before = await openStore(`${dir}/osquery.db`);
    before.executing.set("hog", { since: 1, tid: 42 });
    before.executing.set("done", { since: 1, tid: 7 });
    before.executing.set("bystander", { since: 2, tid: 7 });
    before.executing.delete("done");
    // No close: the process died (the file holds what was written).
    const after = await openStore(`${dir}/osquery.db`);
    const statuses: string[] = [];
    const list = new Denylist(after, (write) => write().then(() => {}), (_s, m) => void statuses.push(m));
    await list.recover(true, { tid: 42, reason: "cpu", threadCpuMs: 10, rss: 1048576 });
    assertEquals(await list.has("hog"), true);
    assertEquals(await list.has("bystander"), false);
    assertEquals(await list.has("done"), false);
    assertEquals(statuses.filter((s) => s.startsWith("Scheduled query may have failed")).sort(), [
      "Scheduled query may have failed: bystander",
      "Scheduled query may have failed: hog",
    ]);
    after.close();
    before.close();
    assertEquals((await openStore(`${dir}/osquery.db`)).executing.leftovers(), [], "acted on once");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
