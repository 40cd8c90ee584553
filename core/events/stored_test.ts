import { assert, assertEquals } from "../../testing/assert.ts";
import {
  EventCursor,
  EventSubscriber,
  EventSystem,
  eventTableRows,
  withEventCursor,
  withStoredEvents,
} from "./system.ts";
import { closeStoredEvents, loadStoredEvents, readStoredEvents } from "./stored.ts";
import { OP, QueryContext } from "../table.ts";
import { flags } from "../flags/flags.ts";

const openKv = (path: string) => (Deno as unknown as { openKv(p: string): Promise<Deno.Kv> }).openKv(path);
const LIMITS = { expiry: 3600, max: 50000 };

async function withStore(fn: (path: string, kv: Deno.Kv) => Promise<void>): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "osq-stored-events-" });
  const kv = await openKv(`${dir}/events.db`);
  try {
    await fn(`${dir}/events.db`, kv);
  } finally {
    closeStoredEvents();
    kv.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("stored events: a second handle reads the flushed events after a cursor, each once, and where the cursor moves", async () => {
  await withStore(async (path, kv) => {
    const now = Math.floor(Date.now() / 1000);
    const s = new EventSubscriber("shared_events", "test");
    await s.attach(kv);
    // Enough for several batches, so the cursor falls inside one.
    for (let i = 0; i < 1200; i++) s.add({ n: i, pad: "x".repeat(150) }, now);
    await s.flush();
    s.add({ n: 1200 }, now); // in memory only until the next flush
    const reader = await openKv(path);
    try {
      const all = await readStoredEvents(reader, "shared_events", LIMITS, 0, now);
      assertEquals(all.rows.map((r) => r.n), Array.from({ length: 1200 }, (_, i) => i));
      assertEquals(all.lastEid, Number(s.rows()[1199].eid));
      const after = Number(s.rows()[700].eid);
      const rest = await readStoredEvents(reader, "shared_events", LIMITS, after, now);
      assertEquals(rest.rows.map((r) => r.n), Array.from({ length: 499 }, (_, i) => 701 + i));
      await s.flush();
      const last = await readStoredEvents(reader, "shared_events", LIMITS, all.lastEid, now);
      assertEquals(last.rows.map((r) => r.n), [1200]);
      assertEquals(last.lastEid, s.lastEid);
      const none = await readStoredEvents(reader, "shared_events", LIMITS, last.lastEid, now);
      assertEquals(none, { rows: [], lastEid: s.lastEid });
    } finally {
      reader.close();
    }
  });
});

Deno.test("stored events: what expired or fell below the floor (--events_max) is not read", async () => {
  await withStore(async (path, kv) => {
    const now = Math.floor(Date.now() / 1000);
    const s = new EventSubscriber("floored_events", "test");
    await s.attach(kv);
    // Stored above the floor (expiry drops from the oldest end): the reader's own expiry skips it.
    s.add({ n: "fresh" }, now);
    s.add({ n: "old" }, now - 7200);
    for (let i = 0; i < 5; i++) s.add({ n: i }, now);
    await s.flush();
    const reader = await openKv(path);
    try {
      const read = async () => (await readStoredEvents(reader, "floored_events", LIMITS, 0, now)).rows.map((r) => r.n);
      assertEquals(await read(), ["fresh", 0, 1, 2, 3, 4]);
      flags.set("events_max", 3);
      try {
        s.add({ n: 5 }, now);
        await s.flush();
      } finally {
        flags.set("events_max", 50000);
      }
      // The cap moved the floor in the flush's commit.
      assertEquals(await read(), [3, 4, 5]);
    } finally {
      reader.close();
    }
  });
});

Deno.test("stored events: an event table reads loaded events with the time constraints, and the cursor reaches the newest stored", () => {
  const s = new EventSubscriber("loaded_events", "test");
  const rows = [10, 20, 30].map((time, i) => ({ n: i, time, eid: String(i + 5).padStart(10, "0") }));
  const loaded = new Map([["loaded_events", { rows, lastEid: 9 }]]);
  const ctx = new QueryContext("loaded_events", new Map([["time", [{ op: OP.GREATER_THAN_OR_EQUALS, value: 20 }]]]));
  const cursor = new EventCursor({ loaded_events: 4 });
  const out = withEventCursor(cursor, () => withStoredEvents(loaded, () => eventTableRows(s, ctx)));
  assertEquals(out.map((r) => r.n), [1, 2]);
  // Events the time constraints leave out count as read too, as on the main thread.
  assertEquals(cursor.next(), { loaded_events: 9 });
  // The subscriber's own (empty) memory was not consulted.
  assertEquals(s.size, 0);
});

Deno.test("stored events: a Worker opens the same store and reads each event once across two scheduled runs", async () => {
  await withStore(async (path, kv) => {
    const now = Math.floor(Date.now() / 1000);
    const s = new EventSubscriber("worker_events", "test");
    await s.attach(kv);
    for (let i = 0; i < 3; i++) s.add({ n: i }, now);
    await s.flush();
    const stored = new URL("./stored.ts", import.meta.url).href;
    const system = new URL("./system.ts", import.meta.url).href;
    const table = new URL("../table.ts", import.meta.url).href;
    const source = `
      import { loadStoredEvents } from "${stored}";
      import { EventSubscriber, eventTableRows } from "${system}";
      import { QueryContext } from "${table}";
      const s = new EventSubscriber("worker_events", "test");
      self.onmessage = async (e) => {
        const loaded = await loadStoredEvents(e.data.plan, ["worker_events", "time"], e.data.cursor);
        const rows = loaded.run(() => eventTableRows(s, new QueryContext("worker_events")));
        self.postMessage({ n: rows.map((r) => r.n), cursor: loaded.cursor });
      };`;
    const worker = new Worker(`data:application/typescript,${encodeURIComponent(source)}`, { type: "module" });
    const ask = (cursor: Record<string, number>) =>
      new Promise<{ n: number[]; cursor: Record<string, number> }>((resolve) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.postMessage({ plan: { path, limits: { worker_events: LIMITS } }, cursor });
      });
    try {
      const first = await ask({});
      assertEquals(first.n, [0, 1, 2]);
      s.add({ n: 3 }, now);
      s.add({ n: 4 }, now);
      await s.flush();
      const second = await ask(first.cursor);
      assertEquals(second.n, [3, 4]);
      assertEquals(second.cursor, { worker_events: s.lastEid });
      assertEquals((await ask(second.cursor)).n, []);
    } finally {
      worker.terminate();
    }
    // Outside a scheduled run (no cursor) every kept event is loaded, and no cursor comes back.
    const all = await loadStoredEvents({ path, limits: { worker_events: LIMITS } }, ["worker_events"]);
    assertEquals(all.run(() => eventTableRows(s, new QueryContext("worker_events"))).length, 5);
    assert(all.cursor === undefined);
  });
});

Deno.test("event system: the query threads may read a subscriber's events only from a store on disk it writes to", async () => {
  await withStore(async (path, kv) => {
    const memory = new EventSystem();
    memory.subscriber("memory_events", "test");
    await memory.start(kv, ":memory:");
    assertEquals(memory.readableFromThreads("memory_events"), false);
    assertEquals(memory.threadRead(), undefined);
    await memory.stop();

    const disk = new EventSystem();
    disk.subscriber("disk_events", "test", { expiryFlag: "events_expiry" });
    assertEquals(disk.readableFromThreads("disk_events"), false, "not before the events start");
    await disk.start(kv, path);
    assertEquals(disk.readableFromThreads("disk_events"), true);
    assertEquals(disk.readableFromThreads("unknown_events"), false);
    assertEquals(disk.threadRead(["disk_events", "unknown_events"]), { path, limits: { disk_events: LIMITS } });
    await disk.stop();
    assertEquals(disk.readableFromThreads("disk_events"), false, "not after they stop");
  });
});
