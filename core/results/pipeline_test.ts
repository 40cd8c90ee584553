import "../config/flags.ts";
import "../../plugins/logger/flags.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { openStore, type Store } from "../kv/store.ts";
import { Engine } from "../engine.ts";
import type { ScheduledQuery } from "../config/config.ts";
import type { QueryCounters } from "./scheduler.ts";
import { emptyCounters } from "./counters.ts";
import { Decorations } from "./decorations.ts";
import { ResultPipeline } from "./pipeline.ts";
import type { QueryThreads, RunReply, ThreadRunOptions } from "./reply.ts";
import { StorageHealth } from "./storage_health.ts";
import { storedRows, walkRows } from "./chunked_rows.ts";
import { sortRows } from "./sorted_rows.ts";
import { LINES_PER_BATCH } from "./log_batches.ts";

function scheduled(name: string, sql: string, snapshot = false): ScheduledQuery {
  return {
    pack: "main",
    name,
    scheduledName: name,
    query: sql,
    interval: 10,
    snapshot,
    removed: true,
    denylist: true,
    startupPriority: -1,
    platform: "",
    version: "",
    shard: 0,
    oncall: "",
  };
}

/** Query threads that answer each run with the next prepared rows (or error). */
class ScriptedThreads implements QueryThreads {
  readonly calls: { sql: string; options: ThreadRunOptions }[] = [];
  constructor(readonly answers: (string[] | Error)[]) {}
  run(sql: string, options: ThreadRunOptions = {}): Promise<RunReply> {
    this.calls.push({ sql, options });
    const next = this.answers.shift() ?? [];
    if (next instanceof Error) {
      return Promise.resolve({
        ok: false,
        error: next.message,
        rows: [],
        size: 0,
        wallMs: 1,
        userMs: 0,
        systemMs: 0,
        memory: 0,
      });
    }
    const size = next.reduce((n, r) => n + r.length, 0);
    return Promise.resolve({ ok: true, rows: next, size, wallMs: 1, userMs: 2, systemMs: 3, memory: 4 });
  }
}

async function withPipeline(
  answers: (string[] | Error)[],
  body: (p: {
    pipeline: ResultPipeline;
    store: Store;
    threads: ScriptedThreads;
    counters: Map<string, QueryCounters>;
    statuses: string[];
    shipped: () => number;
  }) => Promise<void>,
): Promise<void> {
  const store = await openStore(":memory:");
  const engine = new Engine();
  const statuses: string[] = [];
  const status = (_severity: number, message: string) => void statuses.push(message);
  const threads = new ScriptedThreads(answers);
  const counters = new Map<string, QueryCounters>();
  let ships = 0;
  const pipeline = new ResultPipeline({
    store,
    threads,
    runHere: () => ({ rows: [], size: 0 }),
    needsThisThread: () => false,
    usesExtensionTable: () => false,
    hostIdentifier: () => Promise.resolve("host"),
    decorations: new Decorations(engine, status),
    counters,
    health: new StorageHealth(status),
    database: () => ":memory:",
    status,
    publish: () => Promise.resolve(),
    ship: () => Promise.resolve(void ships++),
  });
  try {
    await body({ pipeline, store, threads, counters, statuses, shipped: () => ships });
  } finally {
    engine.close();
    store.close();
  }
}

/** The result lines in the outbox, parsed. */
async function outbox(store: Store): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  for (const e of await store.list<import("../kv/store.ts").OutboxEntry>(["outbox"])) {
    for (const line of await store.linesOf(e.value)) lines.push(JSON.parse(line));
  }
  return lines;
}

Deno.test("result pipeline: the first run logs every row added, the next only what changed, each in one commit with its state", async () => {
  const a = '{"n":"1"}', b = '{"n":"2"}', c = '{"n":"3"}';
  await withPipeline([[a, b], [b, c]], async ({ pipeline, store, threads, counters, shipped }) => {
    const q = scheduled("numbers", "select n from t");
    counters.set(q.scheduledName, emptyCounters(q));
    await pipeline.run(q);
    await pipeline.run(q);
    // osquery's event format (--logger_event_type, the default): one line per changed row.
    const lines = await outbox(store);
    assertEquals(lines.map((l) => [l.action, l.columns, l.counter]), [
      ["added", { n: "1" }, 0],
      ["added", { n: "2" }, 0],
      ["removed", { n: "1" }, 1],
      ["added", { n: "3" }, 1],
    ]);
    const state = (await store.getQuery("numbers")).value;
    assertEquals(state?.counter, 1);
    assertEquals((await storedRows(store.kv, "numbers", state!, (id) => store.getBlob(id))).sort(), [b, c]);
    assertEquals(counters.get("numbers")?.executions, 2);
    assertEquals(counters.get("numbers")?.systemTime, 6);
    // The scheduled name goes to the thread (it answers with the rows sorted).
    assertEquals(threads.calls.map((call) => call.options.name), ["numbers", "numbers"]);
    assert(shipped() >= 2, "each commit is shipped");
  });
});

Deno.test("result pipeline: a failed run is counted and reported, commits nothing, and the next run diffs against the last committed one", async () => {
  const a = '{"n":"1"}';
  await withPipeline([[a], new Error("no such table: t"), [a]], async ({ pipeline, store, counters, statuses }) => {
    const q = scheduled("numbers", "select n from t");
    counters.set(q.scheduledName, emptyCounters(q));
    await pipeline.run(q);
    await pipeline.run(q);
    await pipeline.run(q);
    assertEquals((await outbox(store)).length, 1, "unchanged rows log nothing");
    assert(statuses.some((s) => s.includes("Error executing scheduled query numbers: no such table: t")));
    assertEquals(counters.get("numbers")?.executions, 3);
  });
});

Deno.test("result pipeline: a snapshot query logs all its rows every run and keeps no rows", async () => {
  const a = '{"n":"1"}';
  await withPipeline([[a], [a]], async ({ pipeline, store, threads }) => {
    const q = scheduled("snap", "select n from t", true);
    await pipeline.run(q);
    await pipeline.run(q);
    const lines = await outbox(store);
    assertEquals(lines.map((l) => l.snapshot), [[{ n: "1" }], [{ n: "1" }]]);
    assertEquals(threads.calls.map((call) => call.options.name), [undefined, undefined]);
  });
});

Deno.test("result pipeline: start() tracks the run until its commit and settle() waits for it", async () => {
  await withPipeline([['{"n":"1"}']], async ({ pipeline, store }) => {
    const q = scheduled("numbers", "select n from t");
    pipeline.start(q);
    assertEquals(pipeline.isRunning("numbers"), true);
    await pipeline.settle(60_000);
    assertEquals(pipeline.isRunning("numbers"), false);
    await pipeline.flush();
    assertEquals((await outbox(store)).length, 1);
  });
});

Deno.test("result pipeline: a large first run is logged in bounded batches, each row once; a 1 % change logs just the change", async () => {
  const n = LINES_PER_BATCH * 2 + 123;
  const rows = Array.from({ length: n }, (_, i) => `{"i":${i}}`);
  const changed = rows.map((r, i) => (i % 100 === 0 ? `{"i":${i},"v":1}` : r));
  await withPipeline([rows, changed], async ({ pipeline, store }) => {
    const q = scheduled("big", "select i from t");
    await pipeline.run(q);
    const entries = await store.list<import("../kv/store.ts").OutboxEntry>(["outbox"]);
    assertEquals(entries.length, 3, "two full batches and the rest");
    assert(entries.every((e) => e.value.count <= LINES_PER_BATCH));
    const first = await outbox(store);
    assertEquals(first.map((l) => (l.columns as { i: string }).i), rows.map((_, i) => String(i)));
    assert(first.every((l) => l.action === "added" && l.counter === 0));
    for (const e of entries) {
      await store.retire(e.key[1] as bigint, e.value, []);
    }
    await pipeline.run(q);
    const second = await outbox(store);
    const removed = second.filter((l) => l.action === "removed").map((l) => (l.columns as { i: string }).i);
    const added = second.filter((l) => l.action === "added").map((l) => (l.columns as { i: string }).i);
    const expected = rows.map((_, i) => i).filter((i) => i % 100 === 0).map(String);
    assertEquals(added, expected, "added rows in the query's order");
    // osquery's multiset order: by the integer value of i.
    assertEquals(removed, expected);
    assertEquals(second.length, expected.length * 2);
    assert(second.every((l) => l.counter === 1));
  });
});

Deno.test("result pipeline: a run with the stored rows byte for byte logs and stores nothing; rows changed underneath are diffed in full", async () => {
  const a = '{"n":"1"}', b = '{"n":"2"}', c = '{"n":"3"}';
  await withPipeline([[a, b], [a, b], [b, a], [a, b], [a, b], [a, b]], async ({ pipeline, store, counters }) => {
    const q = scheduled("numbers", "select n from t");
    counters.set(q.scheduledName, emptyCounters(q));
    await pipeline.run(q);
    const first = await store.getQuery("numbers");
    // The same rows, then in another order and back: nothing logged, the state untouched.
    await pipeline.run(q);
    await pipeline.run(q);
    await pipeline.run(q);
    assertEquals((await outbox(store)).length, 2);
    assertEquals((await store.getQuery("numbers")).versionstamp, first.versionstamp);
    assertEquals(store.executing.current(), [], "each run cleared its mark after its commit");
    // Another writer stores other rows under the same name (as a restored backup would): the
    // next run must not trust what it remembered, and diffs against what is stored.
    const walk = await walkRows(store.kv, "numbers", first.value!, sortRows([a, c]), {
      removedText: false,
      readBlob: (id) => store.getBlob(id),
    });
    await store.commitRun({
      name: "numbers",
      previous: first,
      state: { epoch: 0, counter: 5, sql: q.query },
      rows: walk.update,
      lines: [],
      category: "result",
    });
    await pipeline.run(q);
    await pipeline.run(q);
    const lines = await outbox(store);
    assertEquals(lines.slice(2).map((l) => [l.action, l.columns, l.counter]), [
      ["removed", { n: "3" }, 6],
      ["added", { n: "2" }, 6],
    ]);
    assertEquals((await store.getQuery("numbers")).value?.counter, 6);
    assertEquals(counters.get("numbers")?.executions, 6);
  });
});

/** How many lists of the database `body` makes (row reads go through kv.list). */
async function listsDuring(store: Store, body: () => Promise<void>): Promise<number> {
  let reads = 0;
  const list = store.kv.list.bind(store.kv);
  store.kv.list = ((selector: Deno.KvListSelector, options?: Deno.KvListOptions) => {
    reads++;
    return list(selector, options);
  }) as typeof store.kv.list;
  try {
    await body();
  } finally {
    store.kv.list = list;
  }
  return reads;
}

Deno.test("result pipeline: the run after a change compares with the rows it kept and reads no stored row", async () => {
  const a = '{"n":"1"}', b = '{"n":"2"}';
  await withPipeline([[a], [a, b], [a, b], [a, b]], async ({ pipeline, store, counters }) => {
    const q = scheduled("numbers", "select n from t");
    counters.set(q.scheduledName, emptyCounters(q));
    await pipeline.run(q);
    await pipeline.run(q);
    const stored = await store.getQuery("numbers");
    const reads = await listsDuring(store, async () => {
      await pipeline.run(q);
      await pipeline.run(q);
    });
    assertEquals(reads, 0, "the unchanged runs read no stored rows");
    assertEquals((await store.getQuery("numbers")).versionstamp, stored.versionstamp);
    assertEquals((await outbox(store)).map((l) => [l.action, l.columns]), [
      ["added", { n: "1" }],
      ["added", { n: "2" }],
    ]);
  });
});

Deno.test("result pipeline: garbage is collected once after a large run's lines are shipped, never after small runs", async () => {
  const big = (i: number) => `{"n":"${i}${"x".repeat(1048576)}"}`;
  const host = globalThis as { gc?: () => void };
  const previous = host.gc;
  let collections = 0;
  host.gc = () => void collections++;
  try {
    await withPipeline([['{"n":"1"}'], ['{"n":"2"}'], [big(1), big(2), big(3)], ['{"n":"3"}']], async (p) => {
      const q = scheduled("numbers", "select n from t");
      p.counters.set(q.scheduledName, emptyCounters(q));
      for (let i = 0; i < 2; i++) {
        p.pipeline.start(q);
        await p.pipeline.settle(10_000);
        await p.pipeline.flush();
      }
      assertEquals(collections, 0, "small runs collect nothing");
      p.pipeline.start(q);
      await p.pipeline.settle(10_000);
      await p.pipeline.flush();
      assertEquals(collections, 1, "the large run's garbage is collected once");
      assert(p.shipped() >= 3, "after its lines were shipped");
      p.pipeline.start(q);
      await p.pipeline.settle(10_000);
      await p.pipeline.flush();
      assertEquals(collections, 1, "the next small run collects nothing");
    });
  } finally {
    host.gc = previous;
  }
});

Deno.test("result pipeline: a result too large to keep a copy of is told unchanged by its digest once it came back unchanged, reading no stored row", async () => {
  // Over KEPT_ROWS_MAX (1 MiB) in all, in rows of ~64 KB.
  const rows = Array.from({ length: 20 }, (_, i) => `{"n":"${i}${"y".repeat(65536)}"}`);
  const changed = [...rows.slice(1), '{"n":"new"}'];
  await withPipeline([rows, changed, changed, changed], async ({ pipeline, store, counters }) => {
    const q = scheduled("large", "select n from t");
    counters.set(q.scheduledName, emptyCounters(q));
    await pipeline.run(q);
    await pipeline.run(q);
    // The first unchanged run takes the digest (a result that changes every run is never
    // digested), and diffs in full.
    await pipeline.run(q);
    assertEquals(await listsDuring(store, () => pipeline.run(q)), 0, "the next unchanged run reads no stored rows");
    const lines = await outbox(store);
    assertEquals(lines.length, 22, "20 added, then one removed and one added");
  });
});
