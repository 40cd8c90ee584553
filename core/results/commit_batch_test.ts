import { assertEquals } from "../../testing/assert.ts";
import type { RunCommit } from "../kv/store.ts";
import { CommitBatch } from "./commit_batch.ts";

const run = (name: string): RunCommit => ({
  name,
  previous: { key: ["query", name], value: null, versionstamp: null },
  lines: [],
  category: "result",
});

Deno.test("commit batch: runs in flight together share one commit; each run learns its own outcome", async () => {
  const calls: string[][] = [];
  const flushes: [number, boolean][] = [];
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
    afterFlush: (runs, anyCommitted) => Promise.resolve(void flushes.push([runs, anyCommitted])),
    // Long enough that only the second run's arrival can trigger the flush.
    batchMs: 600_000,
  });
  const first = batch.add(run("good"));
  const second = batch.add(run("bad")).then(() => "resolved", (err: Error) => err.message);
  inflight = 0;
  await first;
  assertEquals(await second, "conflict");
  assertEquals(calls, [["good", "bad"]]);
  assertEquals(flushes, [[2, true]]);
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
