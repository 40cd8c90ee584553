import { assertEquals } from "../../testing/assert.ts";
import type { RunCommit } from "../kv/store.ts";
import { CommitBatch } from "./commit_batch.ts";

const run = (name: string, lines: string[] = []): RunCommit => ({
  name,
  previous: { key: ["query", name], value: null, versionstamp: null },
  lines,
  category: "result",
});

Deno.test("commit batch: runs in flight together share one commit; each run learns its own outcome", async () => {
  const calls: string[][] = [];
  const flushes: [number, boolean, boolean][] = [];
  let inflight = 2;
  const batch = new CommitBatch({
    store: {
      commitRuns: (runs) => {
        calls.push(runs.map((r) => r.name));
        return Promise.resolve(runs.map((r) => r.name === "bad" ? new Error("conflict") : 1n));
      },
    },
    inflight: () => inflight,
    dirty: () => false,
    afterFlush: (runs, anyCommitted, anyLines) => Promise.resolve(void flushes.push([runs, anyCommitted, anyLines])),
    // Long enough that only the second run's arrival can trigger the flush.
    batchMs: 600_000,
  });
  const first = batch.add(run("good", ["{}"]));
  const second = batch.add(run("bad", ["{}"])).then(() => "resolved", (err: Error) => err.message);
  inflight = 0;
  await first;
  assertEquals(await second, "conflict");
  assertEquals(calls, [["good", "bad"]]);
  assertEquals(flushes, [[2, true, true]]);
});

Deno.test("commit batch: runs with nothing to write say nothing of the database's health and bring no lines", async () => {
  const flushes: [number, boolean, boolean][] = [];
  const batch = new CommitBatch({
    // An unchanged result's run: the store commits nothing for it and answers undefined.
    store: { commitRuns: (runs) => Promise.resolve(runs.map(() => undefined)) },
    inflight: () => 1,
    dirty: () => false,
    afterFlush: (runs, anyCommitted, anyLines) => Promise.resolve(void flushes.push([runs, anyCommitted, anyLines])),
  });
  await batch.add(run("unchanged"));
  assertEquals(flushes, [[1, false, false]]);
});

Deno.test("commit batch: a run waits while others are still running, then flushes when they finish", async () => {
  const calls: string[][] = [];
  let inflight = 2;
  const batch = new CommitBatch({
    store: { commitRuns: (runs) => Promise.resolve(runs.map((r) => (calls.push([r.name]), 1n))) },
    inflight: () => inflight,
    dirty: () => false,
    afterFlush: () => Promise.resolve(),
    batchMs: 600_000,
  });
  let done = false;
  const waiting = batch.add(run("a")).then(() => (done = true));
  await Promise.resolve();
  assertEquals(done, false, "the other run in flight may still join");
  inflight = 1; // the other run ended without a commit
  batch.soon();
  await waiting;
  assertEquals(calls, [["a"]]);
  await batch.flush(); // clears the long timer
});
