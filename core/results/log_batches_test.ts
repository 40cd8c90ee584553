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
    putBlob(text: string | Uint8Array) {
      const id = `b${blobs.size}`;
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
