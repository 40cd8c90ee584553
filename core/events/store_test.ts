import { assert, assertEquals } from "../../testing/assert.ts";
import { EventCursor, type EventRow, EventSubscriber, EventSystem, eventTableRows, withEventCursor } from "./system.ts";
import { QueryContext } from "../table.ts";
import { flags } from "../flags/flags.ts";

async function withKv(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "osq-events-kv-" });
  try {
    await fn(`${dir}/events.db`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

const openKv = (path: string) => (Deno as unknown as { openKv(p: string): Promise<Deno.Kv> }).openKv(path);

Deno.test("event store: flushed events survive a restart with their eids, and new eids continue after them", async () => {
  await withKv(async (path) => {
    const now = Math.floor(Date.now() / 1000);
    let kv = await openKv(path);
    const before = new EventSubscriber("store_events", "test");
    before.add({ n: 0 }, now); // added before the store is attached: written at the first flush
    await before.attach(kv);
    for (let i = 1; i < 2500; i++) before.add({ n: i, pad: "x".repeat(200) }, now);
    await before.flush();
    kv.close();

    kv = await openKv(path);
    const after = new EventSubscriber("store_events", "test");
    await after.attach(kv);
    assertEquals(after.size, 2500);
    assertEquals(after.rows().map((r) => r.n), Array.from({ length: 2500 }, (_, i) => i));
    assertEquals(after.rows().map((r) => r.eid), before.rows().map((r) => r.eid));
    after.add({ n: 2500 }, now);
    assert(Number(after.rows().at(-1)!.eid) > 2500, "a new eid continues after the stored ones");
    await after.flush();
    kv.close();
  });
});

Deno.test("event store: --events_max and --events_expiry apply to the stored events too", async () => {
  await withKv(async (path) => {
    const now = Math.floor(Date.now() / 1000);
    flags.set("events_max", 3);
    try {
      let kv = await openKv(path);
      const s = new EventSubscriber("capped_events", "test");
      await s.attach(kv);
      for (let i = 0; i < 5; i++) s.add({ n: i }, now);
      await s.flush();
      for (let i = 5; i < 7; i++) s.add({ n: i }, now);
      await s.flush();
      kv.close();
      kv = await openKv(path);
      const again = new EventSubscriber("capped_events", "test");
      await again.attach(kv);
      assertEquals(again.rows().map((r) => r.n), [4, 5, 6]);
      kv.close();
    } finally {
      flags.set("events_max", 50000);
    }

    flags.set("events_expiry", 60);
    try {
      let kv = await openKv(path);
      const s = new EventSubscriber("expiring_events", "test");
      await s.attach(kv);
      s.add({ n: "old" }, now - 3600);
      s.add({ n: "new" }, now);
      await s.flush();
      kv.close();
      kv = await openKv(path);
      const again = new EventSubscriber("expiring_events", "test");
      await again.attach(kv);
      assertEquals(again.rows().map((r) => r.n), ["new"]);
      kv.close();
    } finally {
      flags.set("events_expiry", 3600);
    }
  });
});

Deno.test("event cursor: a scheduled query reads only events after its cursor, and the cursor reaches the newest", () => {
  const s = new EventSubscriber("cursor_events", "test");
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < 5; i++) s.add({ n: i }, now);
  const ctx = new QueryContext("cursor_events");
  const first = new EventCursor({});
  assertEquals(withEventCursor(first, () => eventTableRows(s, ctx)).map((r) => r.n), [0, 1, 2, 3, 4]);
  assertEquals(first.next(), { cursor_events: 5 });
  s.add({ n: 5 }, now);
  const second = new EventCursor(first.next());
  assertEquals(withEventCursor(second, () => eventTableRows(s, ctx)).map((r) => r.n), [5]);
  assertEquals(second.next(), { cursor_events: 6 });
  // Outside a scheduled run (the shell, live queries) every kept event is returned.
  assertEquals(eventTableRows(s, ctx).length, 6);
  // A cursor with nothing new returns nothing and stays put.
  const third = new EventCursor(second.next());
  assertEquals(withEventCursor(third, () => eventTableRows(s, ctx)), []);
  assertEquals(third.next(), { cursor_events: 6 });
});

Deno.test("event system: a new event reaches the store within moments, with no flush call", async () => {
  await withKv(async (path) => {
    const kv = await openKv(path);
    const system = new EventSystem();
    const s = system.subscriber("armed_events", "test");
    await system.start(kv, path);
    try {
      assert(!s.hasPending, "nothing waits to be written before any event");
      s.add({ n: 1 });
      assert(s.hasPending);
      const deadline = Date.now() + 30_000;
      while (s.hasPending && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert(!s.hasPending, "the event was written by the armed flush");
      const stored = await Array.fromAsync(kv.list({ prefix: ["events", "armed_events"] }));
      assertEquals(stored.length, 1);
    } finally {
      await system.stop();
      kv.close();
    }
  });
});

Deno.test("event store: with a store attached, reads join written batches, a flush under way and waiting events, once each", async () => {
  await withKv(async (path) => {
    const now = Math.floor(Date.now() / 1000);
    const kv = await openKv(path);
    try {
      const s = new EventSubscriber("joined_events", "test");
      await s.attach(kv);
      const ns = (rows: EventRow[]) => rows.map((r) => r.n);
      // Written in several batches (each at most ~56 KB of JSON), then more waiting.
      for (let i = 0; i < 600; i++) s.add({ n: i, pad: "y".repeat(300) }, now + (i < 300 ? 0 : 5));
      await s.flush();
      for (let i = 600; i < 610; i++) s.add({ n: i }, now + 5);
      const all = Array.from({ length: 610 }, (_, i) => i);
      assertEquals(ns(s.rows()), all);
      // While a flush writes, its rows are read once (not twice, not lost).
      for (let i = 610; i < 620; i++) s.add({ n: i }, now + 5);
      const flushing = s.flush();
      assertEquals(ns(s.rows()), [...all, ...Array.from({ length: 10 }, (_, i) => 610 + i)]);
      await flushing;
      assertEquals(s.rows().length, 620);
      // After an eid, within a time window.
      const eid = Number(s.rows()[599].eid);
      assertEquals(ns(s.rows(-Infinity, Infinity, eid)), Array.from({ length: 20 }, (_, i) => 600 + i));
      assertEquals(s.rows(now + 5, now + 5).length, 320);
      assertEquals(s.rows(now, now).length, 300);
      // The cap drops the oldest, from the written batches as from memory.
      flags.set("events_max", 100);
      s.add({ n: 620 }, now + 5);
      assertEquals(ns(s.rows()), Array.from({ length: 100 }, (_, i) => 521 + i));
      assertEquals(s.size, 100);
      await s.flush();
      assertEquals(ns(s.rows()), Array.from({ length: 100 }, (_, i) => 521 + i));
    } finally {
      flags.set("events_max", 50000);
      kv.close();
    }
  });
});

Deno.test("event store: a refused flush keeps its events, in order before newer ones, for the next flush", async () => {
  await withKv(async (path) => {
    const now = Math.floor(Date.now() / 1000);
    const kv = await openKv(path);
    try {
      // The store refuses the first commit (as a full disk would), then takes writes again.
      let refuse = 1;
      const refusing = new Proxy(kv, {
        get(target, key) {
          if (key !== "atomic") {
            const value = Reflect.get(target, key);
            return typeof value === "function" ? value.bind(target) : value;
          }
          return () => {
            const op = target.atomic();
            const commit = op.commit.bind(op);
            op.commit = () => refuse-- > 0 ? Promise.resolve({ ok: false as const }) : commit();
            return op;
          };
        },
      });
      const s = new EventSubscriber("refused_events", "test");
      await s.attach(refusing);
      for (let i = 0; i < 300; i++) s.add({ n: i, pad: "z".repeat(300) }, now);
      await s.flush().then(() => assert(false, "the refused flush says so"), () => {});
      assert(s.hasPending, "the refused events wait");
      s.add({ n: 300 }, now);
      assertEquals(s.rows().map((r) => r.n), Array.from({ length: 301 }, (_, i) => i));
      await s.flush();
      assert(!s.hasPending);
      // What the store holds now: every event once, in order, as a restart reads it.
      const again = new EventSubscriber("refused_events", "test");
      await again.attach(kv);
      assertEquals(again.rows().map((r) => r.n), Array.from({ length: 301 }, (_, i) => i));
      assertEquals(again.rows().map((r) => r.eid), s.rows().map((r) => r.eid));
    } finally {
      kv.close();
    }
  });
});
