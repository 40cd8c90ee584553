import { assert, assertEquals } from "../../testing/assert.ts";
import { isStorageError, StorageHealth } from "./storage_health.ts";

Deno.test("storage health: a full disk is reported once when it starts, reminded at most every minute, and once when it ends", () => {
  let now = 0;
  const lines: [number, string][] = [];
  const h = new StorageHealth((s, m) => lines.push([s, m]), { now: () => now, remindMs: 60_000 });
  h.ok("database", "/db");
  assertEquals(lines, []);
  for (let i = 0; i < 50; i++) {
    now += 1000;
    h.failed("database", "/db", new Error("database or disk is full"));
  }
  assert(h.failing("database"));
  assertEquals(h.refused("database"), 50);
  assertEquals(lines.length, 1);
  assert(lines[0][1].startsWith("Cannot write the database /db (database or disk is full)"), lines[0][1]);
  now += 20_000;
  h.failed("database", "/db", new Error("database or disk is full"));
  assertEquals(lines.length, 2);
  assert(lines[1][1].includes("51 runs were not committed so far"), lines[1][1]);
  h.ok("database", "/db");
  assertEquals(lines.length, 3);
  assert(lines[2][1].startsWith("Writing to the database /db resumed after 69 s; 51 runs were not committed"));
  assert(!h.failing("database"));
  // The logs are tracked on their own.
  h.failed("logs", "/log", new Error("No space left on device (os error 28)"));
  assert(h.failing("logs") && !h.failing("database"));
});

Deno.test("storage health: no room and no write access count as storage errors, other failures do not", () => {
  assert(isStorageError(new Error("database or disk is full")));
  assert(isStorageError(new Error("Writing x failed: No space left on device (os error 28)")));
  assert(isStorageError(new Error("Read-only file system (os error 30)")));
  assert(!isStorageError(new Error("The results of a changed underneath this run; they were not committed.")));
  assert(!isStorageError(new Error("no such table: foo")));
});
