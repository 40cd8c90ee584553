import { rerunWithKv } from "../../testing/unstable_kv.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { kvAvailable, openStore, type Store } from "../kv/store.ts";
import { diffRows } from "./diff.ts";
import { bucketBits, prefetchRows, readAhead, storedRows, walkRows } from "./chunked_rows.ts";
import { rowHash, rowTextAt, sortRows } from "./sorted_rows.ts";
import { rowMerger } from "../sqlite/row_batch.ts";
import { countCommits } from "../../testing/kv_commits.ts";

const readBlob = (store: Store) => (id: string) => store.getBlob(id);

/** One run as the pipeline does it: walk, then commit the state with the new chunks. */
async function run(
  store: Store,
  name: string,
  rows: string[],
  nativeMerge?: boolean,
  prefetch?: "values" | "applied",
  fold = true,
) {
  const previous = await store.getQuery(name);
  // As the pipeline does: the stored rows are read (and with "applied", their deltas applied)
  // before the walk.
  const ahead = prefetch
    ? prefetchRows(store.kv, name, previous.value ?? undefined, prefetch === "applied" ? 0 : Infinity)
    : undefined;
  const sorted = sortRows(rows);
  const walk = await walkRows(store.kv, name, previous.value ?? undefined, sorted, {
    removedText: true,
    readBlob: readBlob(store),
    nativeMerge,
    prefetch: ahead,
    fold,
  });
  const added = Array.from(walk.added, (i) => rowTextAt(sorted, i));
  return { previous, walk, added, sorted };
}

async function commit(store: Store, name: string, r: Awaited<ReturnType<typeof run>>) {
  await store.commitRun({
    name,
    previous: r.previous,
    state: { epoch: 0, counter: 0, sql: "s" },
    rows: r.walk.update,
    lines: [],
    category: "result",
  });
}

const stored = async (store: Store, name: string) =>
  (await storedRows(store.kv, name, (await store.getQuery(name)).value!, readBlob(store))).sort();

function random(seed: number) {
  return (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
}

Deno.test("chunked rows: reading ahead keeps the order, stops the source when the walk stops, and passes errors on", async () => {
  let pulled = 0;
  let closed = false;
  async function* source(n: number, failAt = -1) {
    try {
      for (let i = 0; i < n; i++) {
        await Promise.resolve();
        if (i === failAt) throw new Error("read failed");
        pulled++;
        yield i;
      }
    } finally {
      closed = true;
    }
  }
  const all: number[] = [];
  for await (const x of readAhead(source(1000), 8)) all.push(x);
  assertEquals(all, Array.from({ length: 1000 }, (_, i) => i));
  assert(closed);
  // Stopping early: the source is read at most `limit` (and one) ahead, then closed.
  pulled = 0;
  closed = false;
  for await (const x of readAhead(source(1000), 8)) if (x === 10) break;
  assert(closed && pulled <= 20, `pulled ${pulled}`);
  let failed: Error | undefined;
  const got: number[] = [];
  try {
    for await (const x of readAhead(source(100, 50), 8)) got.push(x);
  } catch (err) {
    failed = err as Error;
  }
  assertEquals([failed?.message, got.length], ["read failed", 50]);
  // Reading starts at once, stays within its limit (in the size given), and cancel() closes it.
  pulled = 0;
  closed = false;
  const early = readAhead(source(1000), 30, (x) => (x % 2 === 0 ? 10 : 1));
  for (let i = 0; i < 50 && pulled < 6; i++) await new Promise((r) => setTimeout(r, 1));
  assert(pulled >= 1 && pulled <= 7, `read ahead before use: ${pulled}`);
  await early.cancel();
  assert(closed);
  assertEquals((await early.next()).done, true);
});

// Deno KV needs --unstable-kv; without it this file re-runs itself in a child that has it.
if (!kvAvailable()) {
  rerunWithKv("chunked rows", import.meta.url);
} else {
  Deno.test("chunked rows: a walk across many buckets gives the multiset diff, added rows in the query's order", async () => {
    const store = await openStore(":memory:");
    const rand = random(11);
    // ~1.3 MB of rows: several buckets, so the walk crosses bucket (and KV value) boundaries.
    const row = (i: number, v: number) => `{"id":${i},"name":"row-${i}-${"x".repeat(20)}","v":${v}}`;
    let rows = Array.from({ length: 24_000 }, (_, i) => row(i, 0));
    assert(bucketBits(rows.join("\n").length) >= 3);
    let r = await run(store, "q", rows);
    assertEquals(r.added, rows);
    await commit(store, "q", r);
    for (let round = 1; round <= 4; round++) {
      const next = rows.map((x, i) => (rand(50) === 0 ? row(i, round) : x));
      // Duplicates and removals too.
      next.push(next[rand(next.length)], row(9000 + round, 0));
      next.splice(rand(next.length), 3);
      r = await run(store, "q", next);
      const expected = diffRows(rows, next);
      assertEquals(r.added, expected.added, `round ${round}: added, in the query's order`);
      assertEquals(r.walk.removed.sort(), expected.removed.sort(), `round ${round}: removed`);
      assertEquals(r.walk.removedCount, expected.removed.length);
      await commit(store, "q", r);
      assertEquals(await stored(store, "q"), [...next].sort());
      rows = next;
    }
    // Unchanged rows in another order: no diff, nothing written.
    r = await run(store, "q", [...rows].reverse());
    assertEquals([r.added.length, r.walk.removedCount, r.walk.update], [0, 0, undefined]);
    // Every chunk left is one the state names.
    assertEquals(await store.collectGarbage(), 0);
    store.close();
  });

  Deno.test("chunked rows: the native merge and the merge in TypeScript give the same walk, hash collisions included", async () => {
    // Rows whose hashes collide (found by search): equal hashes, different bytes.
    const encoder = new TextEncoder();
    const seen = new Map<number, string>();
    const colliding: string[] = [];
    for (let i = 0; colliding.length < 8; i++) {
      const row = `{"c":${i}}`;
      const bytes = encoder.encode(row);
      const h = rowHash(bytes, 0, bytes.length);
      const other = seen.get(h);
      if (other !== undefined) colliding.push(other, row);
      else seen.set(h, row);
    }
    if (Deno.build.os === "linux" && ["x86_64", "aarch64"].includes(Deno.build.arch)) {
      assert(rowMerger() || Deno.env.get("OSQ_NATIVE_ROWS") === "0", "the native merge should run here");
    } else console.warn("chunked rows: no native merge on this platform; the TypeScript merge is compared with itself");
    const stores = [await openStore(":memory:"), await openStore(":memory:")];
    const rand = random(5);
    const row = (i: number, v: number) => `{"id":${i},"name":"n-${i}-${"y".repeat(30)}","v":${v}}`;
    let rows = [...Array.from({ length: 8000 }, (_, i) => row(i, 0)), ...colliding, colliding[0]];
    for (let round = 0; round <= 5; round++) {
      const next = round === 0 ? rows : rows.map((x, i) => (rand(40) === 0 ? row(i, round) : x));
      if (round > 0) {
        // Drop one of a colliding pair, bring it back, duplicate another: the merge compares bytes.
        next.splice(next.indexOf(colliding[round]), 1);
        if (round > 1) next.push(colliding[round - 1]);
        next.push(colliding[7 - round], row(20_000 + round, 0));
      }
      const [a, b] = [await run(stores[0], "q", next, true), await run(stores[1], "q", next, false)];
      assertEquals(a.added, b.added, `round ${round}: added`);
      assertEquals(a.walk.removed.sort(), b.walk.removed.sort(), `round ${round}: removed`);
      const expected = diffRows(rows, next);
      if (round > 0) assertEquals(a.walk.removed.sort(), expected.removed.sort(), `round ${round}: removed`);
      assertEquals(a.added, round > 0 ? expected.added : next, `round ${round}: added, in the query's order`);
      await commit(stores[0], "q", a);
      await commit(stores[1], "q", b);
      assertEquals(await stored(stores[0], "q"), [...next].sort());
      assertEquals(await stored(stores[1], "q"), [...next].sort());
      rows = next;
    }
    for (const store of stores) store.close();
  });

  Deno.test("chunked rows: stored rows read ahead, their deltas applied before the walk or as it goes, give the walk that reads them itself", async () => {
    const stores = [await openStore(":memory:"), await openStore(":memory:"), await openStore(":memory:")];
    const rand = random(7);
    const row = (i: number, v: number) => `{"id":${i},"name":"p-${i}-${"z".repeat(30)}","v":${v}}`;
    let rows = Array.from({ length: 12_000 }, (_, i) => row(i, 0));
    for (let round = 0; round <= 4; round++) {
      const next = round === 0 ? rows : rows.map((x, i) => (rand(400) === 0 ? row(i, round) : x));
      // A duplicate added, and one taken away again two rounds later: deltas keep counts.
      if (round > 0) next.push(round === 3 ? row(1, 0) : next[rand(next.length)]);
      const [a, b, c] = [
        await run(stores[0], "q", next, undefined, "applied"),
        await run(stores[1], "q", next),
        await run(stores[2], "q", next, undefined, "values"),
      ];
      for (const other of [b, c]) {
        assertEquals(a.added, other.added, `round ${round}: added`);
        assertEquals(a.walk.removed.sort(), other.walk.removed.sort(), `round ${round}: removed`);
      }
      if (round > 0) {
        const expected = diffRows(rows, next);
        assertEquals([a.added, a.walk.removed.sort()], [expected.added, expected.removed.sort()]);
        assert(a.walk.update!.written.some((k) => k[4] === "d"), `round ${round}: deltas written`);
      }
      await commit(stores[0], "q", a);
      await commit(stores[1], "q", b);
      await commit(stores[2], "q", c);
      for (const store of stores) assertEquals(await stored(store, "q"), [...next].sort());
      rows = next;
    }
    for (const store of stores) assertEquals(await store.collectGarbage(), 0);
    for (const store of stores) store.close();
  });

  Deno.test("chunked rows: a walk that fails after writing the deltas of the buckets it passed deletes them", async () => {
    const store = await openStore(":memory:");
    const row = (i: number, v: number) => `{"id":${i},"name":"f-${i}-${"w".repeat(30)}","v":${v}}`;
    const rows = Array.from({ length: 12_000 }, (_, i) => row(i, 0));
    await commit(store, "q", await run(store, "q", rows));
    const previous = (await store.getQuery("q")).value!;
    assert(previous.parts!.length >= 8);
    const next = rows.map((x, i) => (i % 100 === 0 ? row(i, 1) : x));
    // The stored buckets, then a read error half-way.
    let yielded = 0;
    async function* failing() {
      for await (const bucket of prefetchRows(store.kv, "q", previous)!) {
        if (yielded++ === previous.parts!.length / 2) {
          // The deltas of the buckets passed were sent to the database while the walk went on.
          for (let i = 0; i < 500 && !(await store.list(["rows"])).some((e) => e.key[4] === "d"); i++) {
            await new Promise((r) => setTimeout(r, 10));
          }
          assert((await store.list(["rows"])).some((e) => e.key[4] === "d"), "a delta was written before the failure");
          throw new Error("read failed");
        }
        yield bucket;
      }
    }
    const before = (await store.list<Uint8Array>(["rows"])).length;
    let failed: Error | undefined;
    try {
      await walkRows(store.kv, "q", previous, sortRows(next), {
        removedText: false,
        readBlob: readBlob(store),
        prefetch: failing(),
        // Written ahead, however small (what a large result's walk does).
        fold: false,
      });
    } catch (err) {
      failed = err as Error;
    }
    assertEquals(failed?.message, "read failed");
    assertEquals((await store.list<Uint8Array>(["rows"])).length, before, "no delta is left behind");
    assertEquals(await store.collectGarbage(), 0);
    // The same change walks and commits whole afterwards.
    const r = await run(store, "q", next);
    assertEquals([r.added.length, r.walk.removedCount], [120, 120]);
    await commit(store, "q", r);
    assertEquals(await stored(store, "q"), [...next].sort());
    store.close();
  });

  Deno.test("chunked rows: only the buckets that changed are rewritten; growing far enough repartitions", async () => {
    const store = await openStore(":memory:");
    const rows = Array.from({ length: 16_000 }, (_, i) => `{"i":${i},"pad":"${"p".repeat(40)}"}`);
    await commit(store, "q", await run(store, "q", rows));
    const before = new Map((await store.list<Uint8Array>(["rows"])).map((e) => [JSON.stringify(e.key), e]));
    const changed = [...rows];
    changed[17] = '{"i":17,"pad":"changed"}';
    const r = await run(store, "q", changed);
    // One row's bucket (the removed row's, and the added row's if another) is rewritten.
    assert(r.walk.update!.written.length <= 2, `${r.walk.update!.written.length} chunks written`);
    await commit(store, "q", r);
    const after = await store.list<Uint8Array>(["rows"]);
    // Each written key is one the state now names (a small change is a delta beside the rows).
    const had = new Set([...before.values()].map((e) => JSON.stringify(e.key)));
    const fresh = after.filter((e) => !had.has(JSON.stringify(e.key)));
    assertEquals(fresh.length, r.walk.update!.written.length);
    const gone = new Set(r.walk.update!.replaced.map((k) => JSON.stringify(k)));
    assertEquals(
      after.filter((e) => gone.has(JSON.stringify(e.key))),
      [],
      "replaced chunks are deleted after the commit",
    );
    assertEquals(after.length, before.size - gone.size + fresh.length);
    assertEquals(await store.collectGarbage(), 0);
    // Ten times the rows: another partition, every bucket written, the old ones gone.
    const many = Array.from({ length: 160_000 }, (_, i) => `{"i":${i},"pad":"${"p".repeat(40)}"}`);
    const big = await run(store, "q", many);
    assertEquals(big.added.length, 144_001, "144,000 new rows and row 17 as it was");
    assertEquals(big.walk.removed, ['{"i":17,"pad":"changed"}']);
    await commit(store, "q", big);
    assertEquals((await store.getQuery("q")).value!.parts!.length, 2 ** bucketBits(many.join("\n").length + 1));
    assertEquals(await stored(store, "q"), [...many].sort());
    assertEquals(await store.collectGarbage(), 0);
    store.close();
  });

  Deno.test("chunked rows: a small change is a delta over the stored rows, undone when the rows return, folded in when it grows", async () => {
    const store = await openStore(":memory:");
    const rows = Array.from({ length: 4000 }, (_, i) => `{"i":${i},"pad":"${"p".repeat(40)}"}`);
    await commit(store, "q", await run(store, "q", rows));
    const base = (await store.list<Uint8Array>(["rows"])).map((e) => JSON.stringify(e.key)).sort();
    // A few rows change, twice: deltas (beside the rows, which stay), replacing the last ones.
    let prev = rows;
    for (const v of [1, 2]) {
      const next = rows.map((x, i) => (i % 500 === 3 ? `{"i":${i},"v":${v}}` : x));
      const r = await run(store, "q", next);
      const expected = diffRows(prev, next);
      assertEquals([r.added, r.walk.removed.sort()], [expected.added, expected.removed.sort()]);
      assert(r.walk.update!.written.every((k) => k[4] === "d"), "only deltas written");
      await commit(store, "q", r);
      assertEquals(await stored(store, "q"), [...next].sort());
      assertEquals(await store.collectGarbage(), 0);
      prev = next;
    }
    // Back to the stored rows: nothing written, the deltas dropped.
    const back = await run(store, "q", rows);
    assertEquals([back.added.length, back.walk.removedCount, back.walk.update!.written.length], [8, 8, 0]);
    await commit(store, "q", back);
    assertEquals((await store.list<Uint8Array>(["rows"])).map((e) => JSON.stringify(e.key)).sort(), base);
    assertEquals(await stored(store, "q"), [...rows].sort());
    // A third of the rows change: too much for deltas, the buckets are rewritten.
    const many = rows.map((x, i) => (i % 3 === 0 ? `{"i":${i},"v":3}` : x));
    const big = await run(store, "q", many);
    assert(big.walk.update!.written.every((k) => typeof k[4] === "number"), "whole buckets written");
    await commit(store, "q", big);
    assertEquals(await stored(store, "q"), [...many].sort());
    assertEquals(await store.collectGarbage(), 0);
    // A delta written ahead by a run that never commits is stray: the next start collects it.
    const lost = await run(
      store,
      "q",
      many.map((x, i) => (i === 1 ? '{"i":1,"v":4}' : x)),
      undefined,
      undefined,
      false,
    );
    assert(lost.walk.update!.written.length > 0);
    assertEquals(await store.collectGarbage(), lost.walk.update!.written.length);
    assertEquals(await stored(store, "q"), [...many].sort());
    store.close();
  });

  Deno.test("chunked rows: a small change is written in the run's own commit, with the chunks it replaces deleted there", async () => {
    const store = await openStore(":memory:");
    // ~45 KB of rows: a few changed rows make a delta, a third of them a rewritten bucket.
    const rows = Array.from({ length: 1000 }, (_, i) => `{"i":${i},"pad":"${"p".repeat(30)}"}`);
    await commit(store, "q", await run(store, "q", rows));
    const keysNow = async () => (await store.list(["rows"])).map((e) => JSON.stringify(e.key)).sort();
    const before = await keysNow();
    for (const [v, every] of [[1, 500], [2, 3]]) {
      const next = rows.map((x, i) => (i % every === 0 ? `{"i":${i},"v":${v}}` : x));
      const r = await run(store, "q", next);
      // Nothing is written before the commit: a crash here leaves nothing stray.
      assert(r.walk.update!.sets!.length > 0);
      assertEquals(await keysNow(), before);
      assertEquals(await store.collectGarbage(), 0);
      const commits = countCommits(store.kv);
      await commit(store, "q", r);
      commits.stop();
      assertEquals(commits.count(), 1, "one commit: the chunks, the state and the replaced chunks' deletes");
      assertEquals(await stored(store, "q"), [...next].sort());
      assertEquals(await store.collectGarbage(), 0, "nothing the state does not refer to is left");
      await commit(store, "q", await run(store, "q", rows));
      assertEquals(await stored(store, "q"), [...rows].sort());
    }
    store.close();
  });

  Deno.test("chunked rows: a crash between the chunk writes and the commit leaves the stored rows whole; the next run diffs against them once", async () => {
    const dir = Deno.makeTempDirSync();
    try {
      let store = await openStore(`${dir}/db`);
      const rows = Array.from({ length: 3000 }, (_, i) => `{"i":${i},"pad":"${"p".repeat(30)}"}`);
      await commit(store, "q", await run(store, "q", rows));
      const next = rows.map((x, i) => (i % 10 === 0 ? `{"i":${i},"pad":"new"}` : x));
      // The run writes its chunks ahead, then the process dies before the commit.
      const lost = await run(store, "q", next, undefined, undefined, false);
      assert(lost.walk.update!.written.length > 0);
      store.close();
      store = await openStore(`${dir}/db`);
      assertEquals(await stored(store, "q"), [...rows].sort(), "the committed rows are intact");
      // The next start collects the stray chunks; the run then diffs against the stored rows.
      assertEquals(await store.collectGarbage(), lost.walk.update!.written.length);
      const again = await run(store, "q", next);
      assertEquals(again.added.length, 300);
      assertEquals(again.walk.removedCount, 300);
      await commit(store, "q", again);
      assertEquals(await stored(store, "q"), [...next].sort());
      // Committed: the same rows again are no change.
      const quiet = await run(store, "q", next);
      assertEquals([quiet.added.length, quiet.walk.removedCount], [0, 0]);
      store.close();
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });

  Deno.test("chunked rows: a refused commit (stale state) deletes the chunks it wrote", async () => {
    const store = await openStore(":memory:");
    await commit(store, "q", await run(store, "q", ["a", "b"]));
    const stale = await run(store, "q", ["a", "c"]);
    await commit(store, "q", await run(store, "q", ["a", "d"]));
    let refused = false;
    try {
      await commit(store, "q", stale);
    } catch {
      refused = true;
    }
    assert(refused);
    assertEquals(await stored(store, "q"), ["a", "d"]);
    assertEquals(await store.collectGarbage(), 0, "nothing stray is left");
    store.close();
  });

  Deno.test("chunked rows: buckets carry their rows' hashes; a bucket stored without them is hashed as it is read", async () => {
    const store = await openStore(":memory:");
    const rows = Array.from({ length: 300 }, (_, i) => `{"i":${i}}`);
    await commit(store, "q", await run(store, "q", rows));
    const chunks = await store.list<Uint8Array>(["rows", "q"]);
    assertEquals(chunks.length, 1);
    const value = chunks[0].value;
    const count = new DataView(value.buffer, value.byteOffset).getUint32(4, true);
    assertEquals([value[0], count], [0, 300], "a header: a zero byte, then the row count");
    // As a bucket was written before: the rows alone.
    await store.kv.set(chunks[0].key, value.slice(8 + 4 * count));
    assertEquals(await stored(store, "q"), [...rows].sort());
    const next = rows.map((x, i) => (i % 30 === 0 ? `{"i":${i},"v":1}` : x));
    const r = await run(store, "q", next);
    const expected = diffRows(rows, next);
    assertEquals([r.added, r.walk.removed.sort()], [expected.added, expected.removed.sort()]);
    await commit(store, "q", r);
    assertEquals(await stored(store, "q"), [...next].sort());
    const quiet = await run(store, "q", next);
    assertEquals([quiet.added.length, quiet.walk.removedCount], [0, 0]);
    store.close();
  });

  Deno.test("chunked rows: a store from before chunked rows is diffed against its rows blob, then converted", async () => {
    const store = await openStore(":memory:");
    const { id } = await store.putBlob(["a", "b", "c"].join("\n"));
    await store.kv.set(["query", "q"], { epoch: 0, counter: 3, sql: "s", blob: id, rows: 3 });
    const r = await run(store, "q", ["b", "c", "d"]);
    assertEquals([r.added, r.walk.removed], [["d"], ["a"]]);
    await commit(store, "q", r);
    assertEquals(await stored(store, "q"), ["b", "c", "d"]);
    assertEquals(await store.getBlob(id), "", "the old rows blob is deleted after the commit");
    store.close();
  });
}
