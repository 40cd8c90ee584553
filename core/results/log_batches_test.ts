import { assertEquals } from "../../testing/assert.ts";
import { eventLines, type LogItem } from "./diff.ts";
import { LineBytes, LINES_PER_BATCH, renderLines } from "./log_batches.ts";

const item: LogItem = {
  name: "q",
  hostIdentifier: "host",
  unixTime: 1_700_000_000,
  epoch: 0,
  counter: 0,
  numerics: false,
  decorations: {},
  decorationsTopLevel: false,
};

/** A store that keeps each blob's text as it was when putBlob was called (the buffer is reused after). */
function fakeStore() {
  const blobs = new Map<string, string>();
  const decoder = new TextDecoder();
  return {
    blobs,
    putBlob(text: string | Uint8Array, id = `b${blobs.size}`) {
      blobs.set(id, typeof text === "string" ? text : decoder.decode(text));
      return Promise.resolve({ id, chunks: 1 });
    },
    deleteBlob(id: string) {
      blobs.delete(id);
      return Promise.resolve();
    },
  };
}

Deno.test("log batches: a large run's lines are the event lines in order, in full batches of bytes and an inline rest", async () => {
  const n = LINES_PER_BATCH * 2 + 7;
  // Non-ASCII, escapes and a long value: bytes are not one per character.
  const rows = Array.from(
    { length: n },
    (_, i) => JSON.stringify({ i: String(i), s: i % 3 ? "é☃\u{1F600}" : 'a\\n"b', l: "x".repeat(i % 500) }),
  );
  const removed = rows.slice(0, 5);
  const added = rows.slice(5);
  const store = fakeStore();
  const rendered = await renderLines(store, item, removed, added, true, n);
  assertEquals(rendered.lineBlobs.map((b) => b.count), [LINES_PER_BATCH, LINES_PER_BATCH]);
  const all = [...rendered.lineBlobs.flatMap((b) => store.blobs.get(b.blob)!.split("\n")), ...rendered.lines];
  assertEquals(all, eventLines(item, { removed, added }));
  assertEquals(rendered.lines.length, 7);
});

Deno.test("log batches: LineBytes joins lines by newlines, grows past its buffer and is reused after clear", () => {
  const b = new LineBytes();
  assertEquals(b.lines(), []);
  const long = "ü".repeat(100_000);
  b.add("one");
  b.add(long);
  assertEquals(b.count, 2);
  assertEquals(new TextDecoder().decode(b.bytes()), `one\n${long}`);
  assertEquals(b.lines(), ["one", long]);
  b.clear();
  b.add("");
  b.add("two");
  assertEquals(b.lines(), ["", "two"]);
  assertEquals(b.bytes().length, 4);
});

Deno.test("log batches: a blob's buffer is not reused before its write resolves; a failed write deletes every blob of the run", async () => {
  const decoder = new TextDecoder();
  const blobs = new Map<string, string>();
  let writes = 0;
  // Reads the bytes only when the write resolves, a macrotask later, as the database may.
  const slowStore = (failAt = -1) => ({
    putBlob(text: string | Uint8Array, id = `b${blobs.size}`) {
      const k = writes++;
      return new Promise<{ id: string; chunks: number }>((resolve, reject) =>
        setTimeout(() => {
          if (k === failAt) return reject(new Error("disk full"));
          blobs.set(id, typeof text === "string" ? text : decoder.decode(text));
          resolve({ id, chunks: 1 });
        }, 1)
      );
    },
    deleteBlob(id: string) {
      blobs.delete(id);
      return Promise.resolve();
    },
  });
  const n = LINES_PER_BATCH * 5 + 3;
  const rows = Array.from({ length: n }, (_, i) => JSON.stringify({ i: String(i) }));
  const rendered = await renderLines(slowStore(), item, [], rows, true, n);
  assertEquals(rendered.lineBlobs.map((b) => b.count), Array(5).fill(LINES_PER_BATCH));
  const all = [...rendered.lineBlobs.flatMap((b) => blobs.get(b.blob)!.split("\n")), ...rendered.lines];
  assertEquals(all, eventLines(item, { removed: [], added: rows }));
  blobs.clear();
  writes = 0;
  let failed: Error | undefined;
  try {
    await renderLines(slowStore(2), item, [], rows, true, n);
  } catch (err) {
    failed = err as Error;
  }
  assertEquals(failed?.message, "disk full");
  assertEquals(blobs.size, 0, "the blobs written before the failure are deleted");
});

Deno.test("log batches: a run whose lines fit one batch gets them inline, as the batched path renders them", async () => {
  const rows = Array.from(
    { length: 300 },
    (_, i) => JSON.stringify({ i: String(i), s: i % 2 ? "é☃\u{1F600}" : 'a\\n"b' }),
  );
  const removed = rows.slice(0, 100);
  const added = rows.slice(100);
  const store = fakeStore();
  // Told the size: one batch, kept as strings. Not told (0): the batched path.
  const inline = await renderLines(store, item, removed, added, true, rows.length);
  const batched = await renderLines(store, item, removed, added, true);
  assertEquals(inline, { lines: eventLines(item, { removed, added }), lineBlobs: [] });
  assertEquals(batched, inline);
  assertEquals(store.blobs.size, 0);
});
