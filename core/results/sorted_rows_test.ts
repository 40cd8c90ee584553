import { assert, assertEquals } from "../../testing/assert.ts";
import { orderByHash } from "../sqlite/row_batch.ts";
import { rowHash, rowsBytes, rowText, sameBytes, sortedBytes, SortedRowsBuilder } from "./sorted_rows.ts";

const native = Deno.build.os === "linux" && ["x86_64", "aarch64"].includes(Deno.build.arch) &&
  Deno.env.get("OSQ_NATIVE_ROWS") !== "0";
if (!orderByHash(new Uint32Array(1), 1)) {
  console.warn(
    "sorted_rows_test: no native sort here (platform, or OSQ_NATIVE_ROWS=0); the TypeScript order is compared with itself",
  );
}

function build(rows: string[], nativeSort: boolean) {
  const builder = new SortedRowsBuilder();
  for (const row of rows) builder.add(row);
  return builder.finish(nativeSort);
}

Deno.test("sorted rows: the native order is the TypeScript order, with duplicates and hash collisions", () => {
  if (native) assert(orderByHash(new Uint32Array(1), 1), "the native sort should run here");
  // Rows whose hashes collide (found by search), each twice, among many others.
  const encoder = new TextEncoder();
  const seen = new Map<number, string>();
  const colliding: string[] = [];
  for (let i = 0; colliding.length < 6; i++) {
    const row = `{"k":${i}}`;
    const bytes = encoder.encode(row);
    const h = rowHash(bytes, 0, bytes.length);
    const other = seen.get(h);
    if (other !== undefined) colliding.push(row, other);
    else seen.set(h, row);
  }
  const rows = [...colliding, ...Array.from({ length: 70_000 }, (_, i) => `{"i":${i % 50_000}}`), ...colliding];
  const a = build(rows, true);
  const b = build(rows, false);
  assertEquals(a.order, b.order);
  assertEquals(a.hashes, b.hashes);
  assertEquals(sortedBytes(a), sortedBytes(b));
  // By hash, then by bytes.
  for (let k = 1; k < a.count; k++) {
    assert(a.hashes[k - 1] < a.hashes[k] || (a.hashes[k - 1] === a.hashes[k] && rowText(a, k - 1) <= rowText(a, k)));
  }
  assertEquals(build([], true).count, 0);
});

Deno.test("sorted rows: a small result is ordered as a large one is, and rows added one by one, as bytes or in batches across the first reservation agree", () => {
  const encoder = new TextEncoder();
  // Small: ordered by comparison. The same rows among 2,000 others: ordered by the radix or
  // native sort. Their relative order must be the same.
  const small = [...Array.from({ length: 200 }, (_, i) => `{"s":${i % 150}}`)];
  const a = build(small, true);
  const big = build([...small, ...Array.from({ length: 2_000 }, (_, i) => `{"o":${i}}`)], true);
  const inBig = Array.from(big.order).filter((i) => i < small.length);
  assertEquals(Array.from(a.order), inBig);
  for (let k = 1; k < a.count; k++) {
    assert(a.hashes[k - 1] < a.hashes[k] || (a.hashes[k - 1] === a.hashes[k] && rowText(a, k - 1) <= rowText(a, k)));
  }
  // ~600 KB of rows, past the first reservation of each buffer, three ways.
  const rows = Array.from({ length: 6_000 }, (_, i) => `{"i":${i},"pad":"${"x".repeat(90)}"}`);
  const byBytes = new SortedRowsBuilder();
  const inBatches = new SortedRowsBuilder();
  for (let i = 0; i < rows.length; i += 100) {
    const batch = rows.slice(i, i + 100).map((r) => encoder.encode(r + "\n"));
    const bytes = new Uint8Array(batch.reduce((n, b) => n + b.length, 0));
    const ends = new Uint32Array(batch.length);
    const hashes = new Uint32Array(batch.length);
    let at = 0;
    batch.forEach((b, k) => {
      bytes.set(b, at);
      hashes[k] = rowHash(b, 0, b.length - 1);
      ends[k] = at += b.length;
    });
    inBatches.addBatch(bytes, ends, hashes, batch.length);
    for (const b of batch) byBytes.addBytes(b.subarray(0, b.length - 1));
  }
  const one = build(rows, true);
  for (const other of [byBytes.finish(), inBatches.finish()]) {
    assertEquals(other.count, one.count);
    assertEquals(other.order, one.order);
    assertEquals(sortedBytes(other), sortedBytes(one));
  }
});

Deno.test("sorted rows: byte comparison tells equal bytes from a difference at any place, aligned or not", () => {
  const base = new Uint8Array(37).map((_, i) => i * 7);
  for (const offset of [0, 1, 4]) {
    const a = new Uint8Array(base.length + offset).subarray(offset);
    a.set(base);
    assert(sameBytes(a, base), `equal at offset ${offset}`);
    for (const at of [0, 3, 4, 31, 32, 36]) {
      const b = base.slice();
      b[at] ^= 1;
      assert(!sameBytes(a, b), `difference at ${at}, offset ${offset}`);
    }
  }
  assert(!sameBytes(base, base.subarray(0, 36)), "a shorter array differs");
  const rows = build(['{"a":"1"}', '{"a":"2"}'], false);
  assertEquals(new TextDecoder().decode(rowsBytes(rows)), '{"a":"1"}\n{"a":"2"}\n');
});
