import { assert, assertEquals } from "../testing/assert.ts";
import { kvAvailable, openStore } from "./kv.ts";

// Deno KV needs --unstable-kv; without it this file re-runs itself in a child that has it.
if (!kvAvailable()) {
  Deno.test("kv: the store tests pass under --unstable-kv", async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--unstable-kv", "--no-check", new URL(import.meta.url).pathname],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert(out.success, text);
  });
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
      rows: ["a", "b"],
      lines: ["l1"],
      category: "result",
    });
    assertEquals(seq, 1n);
    prev = await store.getQuery("q");
    assertEquals(await store.previousRows(prev.value!), ["a", "b"]);
    const big = Array.from({ length: 5000 }, (_, i) => `line ${i} ${"x".repeat(20)}`);
    await store.commitRun({
      name: "q",
      previous: prev,
      state: { epoch: 0, counter: 1, sql: "s" },
      rows: ["c"],
      lines: big,
      category: "result",
    });
    const entries = [];
    for await (const e of store.outbox()) entries.push(e);
    assertEquals(entries.map((e) => e.seq), [1n, 2n]);
    assertEquals(await store.linesOf(entries[1].entry), big);
    assertEquals((await store.list(["blob"])).length > 0, true);
    // The first rows blob is gone; a stale commit (old versionstamp) is refused.
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
}
