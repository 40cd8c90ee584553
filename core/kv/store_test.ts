import { rerunWithKv } from "../../testing/unstable_kv.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { kvAvailable, openStore, type RowsUpdate, type Store, type StoredQuery } from "./store.ts";
import { storedRows, walkRows } from "../results/chunked_rows.ts";
import { sortRows } from "../results/sorted_rows.ts";
import { countCommits } from "../../testing/kv_commits.ts";

/** `rows` written ahead as the query's next chunks (what the pipeline hands a commit). */
async function chunks(store: Store, name: string, rows: string[]): Promise<RowsUpdate | undefined> {
  const prev = (await store.getQuery(name)).value ?? undefined;
  const walk = await walkRows(store.kv, name, prev, sortRows(rows), {
    removedText: false,
    readBlob: (id) => store.getBlob(id),
  });
  return walk.update;
}

/** The rows stored for `name`, sorted. */
async function stored(store: Store, name: string): Promise<string[]> {
  const state = (await store.getQuery(name)).value;
  return state ? (await storedRows(store.kv, name, state, (id) => store.getBlob(id))).sort() : [];
}

/** Commits a first run of `name` (one row, one line); resolves to the state it was read against. */
async function commitFirst(store: Store, name: string): Promise<Deno.KvEntryMaybe<StoredQuery>> {
  const first = await store.getQuery(name);
  await store.commitRun({
    name,
    previous: first,
    state: { epoch: 0, counter: 0, sql: "s" },
    rows: await chunks(store, name, ["1"]),
    lines: [`${name}0`],
    category: "result",
  });
  return first;
}

// Deno KV needs --unstable-kv; without it this file re-runs itself in a child that has it.
if (!kvAvailable()) {
  rerunWithKv("kv", import.meta.url);
} else {
  Deno.test("kv: a large blob round-trips through 64 KiB chunks", async () => {
    const store = await openStore(":memory:");
    const text = "row\n".repeat(200_000);
    const { id, chunks } = await store.putBlob(text);
    assert(chunks > 12);
    assertEquals(await store.getBlob(id), text);
    await store.deleteBlob(id);
    assertEquals(await store.getBlob(id), "");
    store.close();
  });

  Deno.test("kv: a run commits state and outbox lines together; old rows blobs are replaced", async () => {
    const store = await openStore(":memory:");
    let prev = await store.getQuery("q");
    const seq = await store.commitRun({
      name: "q",
      previous: prev,
      state: { epoch: 0, counter: 0, sql: "s" },
      rows: await chunks(store, "q", ["a", "b"]),
      lines: ["l1"],
      category: "result",
    });
    assertEquals(seq, 1n);
    prev = await store.getQuery("q");
    assertEquals(await stored(store, "q"), ["a", "b"]);
    const big = Array.from({ length: 5000 }, (_, i) => `line ${i} ${"x".repeat(20)}`);
    await store.commitRun({
      name: "q",
      previous: prev,
      state: { epoch: 0, counter: 1, sql: "s" },
      rows: await chunks(store, "q", ["c"]),
      lines: big,
      category: "result",
    });
    const entries = [];
    for await (const e of store.outbox()) entries.push(e);
    assertEquals(entries.map((e) => e.seq), [1n, 2n]);
    assertEquals(await store.linesOf(entries[1].entry), big);
    assertEquals((await store.list(["blob"])).length > 0, true);
    // The first rows are gone (one chunk holds the new ones); a stale commit (old versionstamp) is refused.
    assertEquals(await stored(store, "q"), ["c"]);
    assertEquals((await store.list(["rows"])).length, 1);
    let refused = false;
    try {
      await store.commitRun({ name: "q", previous: prev, lines: ["x"], category: "result" });
    } catch {
      refused = true;
    }
    assert(refused);
    for (const e of entries) await store.retire(e.seq, e.entry, []);
    assertEquals(await store.collectGarbage(), 0);
    const orphan = await store.putBlob("left by a crash");
    assertEquals(await store.collectGarbage(), 1);
    assertEquals(await store.getBlob(orphan.id), "");
    store.close();
  });

  Deno.test("kv: commitRuns commits many runs in few commits, each with its state and lines together", async () => {
    const store = await openStore(":memory:");
    const runs = [];
    const rowsOf = (i: number) => [`{"i":${i}}`, "x".repeat(i % 7 === 0 ? 100_000 : 10)];
    for (let i = 0; i < 250; i++) {
      runs.push({
        name: `q${i}`,
        previous: await store.getQuery(`q${i}`),
        state: { epoch: 0, counter: 0, sql: `select ${i}` },
        rows: await chunks(store, `q${i}`, rowsOf(i)),
        lines: i % 3 === 0 ? [] : [`line ${i}`],
        category: "result" as const,
      });
    }
    const outcomes = await store.commitRuns(runs);
    assert(outcomes.every((o) => !(o instanceof Error)));
    // Sequences follow the runs' order, only for runs with lines.
    const seqs = outcomes.filter((o) => o !== undefined);
    assertEquals(seqs, Array.from({ length: seqs.length }, (_, i) => BigInt(i + 1)));
    const entries = [];
    for await (const e of store.outbox()) entries.push(e.entry.name);
    assertEquals(entries, runs.filter((r) => r.lines.length).map((r) => r.name));
    for (let i = 0; i < 250; i++) {
      const q = await store.getQuery(`q${i}`);
      assertEquals(q.value?.sql, `select ${i}`);
      assertEquals(await stored(store, `q${i}`), rowsOf(i).sort());
    }
    store.close();
  });

  Deno.test("kv: a run with nothing to write commits nothing, even against a stale state", async () => {
    const store = await openStore(":memory:");
    const before = await commitFirst(store, "a");
    const commits = countCommits(store.kv);
    // An unchanged result's run (no state, rows or lines): no commit, so no conflict either.
    const outcomes = await store.commitRuns([{ name: "a", previous: before, lines: [], category: "result" }]);
    assertEquals(outcomes, [undefined]);
    assertEquals(commits.count(), 0);
    commits.stop();
    store.close();
  });

  Deno.test("kv: a stale run in a batch is refused alone; the others commit", async () => {
    const store = await openStore(":memory:");
    const first = await commitFirst(store, "a");
    const outcomes = await store.commitRuns([
      {
        name: "b",
        previous: await store.getQuery("b"),
        state: { epoch: 0, counter: 0, sql: "s" },
        rows: await chunks(store, "b", ["2"]),
        lines: ["b0"],
        category: "result",
      },
      // Stale: read before a's first commit.
      {
        name: "a",
        previous: first,
        state: { epoch: 0, counter: 1, sql: "s" },
        rows: await chunks(store, "a", ["3"]),
        lines: ["a1"],
        category: "result",
      },
      { name: "c", previous: await store.getQuery("c"), lines: ["c0"], category: "snapshot" },
    ]);
    assertEquals(outcomes[0], 2n);
    assert(outcomes[1] instanceof Error);
    assertEquals(outcomes[2], 3n);
    const lines = [];
    for await (const e of store.outbox()) lines.push(...await store.linesOf(e.entry));
    assertEquals(lines, ["a0", "b0", "c0"]);
    // The refused run changed nothing: a's state is the first commit's.
    assertEquals(await stored(store, "a"), ["1"]);
    // A fresh read of a commits.
    const next = await store.commitRun({
      name: "a",
      previous: await store.getQuery("a"),
      state: { epoch: 0, counter: 1, sql: "s" },
      rows: await chunks(store, "a", ["3"]),
      lines: ["a1"],
      category: "result",
    });
    assertEquals(next, 4n);
    store.close();
  });
}
