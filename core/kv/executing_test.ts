import { assertEquals, assertMatch, assertThrows } from "../../testing/assert.ts";
import { ExecutingMarks, ExecutingMarksError, threadMarksPath } from "./executing.ts";

Deno.test("executing marks: what a process had running when it stopped is what the next one reads, whatever was written before", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/osquery.db.executing`;
  try {
    const first = new ExecutingMarks(path);
    assertEquals(first.leftovers(), []);
    first.set("a_query_with_a_long_name", { since: 1, tid: 10 });
    first.set("b", { since: 2, tid: 11 });
    first.delete("a_query_with_a_long_name");
    // A shorter text over a longer one: padded, still one whole version.
    const second = new ExecutingMarks(path);
    assertEquals(second.leftovers(), [["b", { since: 2, tid: 11 }]]);
    // Until they are acted on, the leftovers stay in the file beside the new marks.
    second.set("c", { since: 3, tid: 12 });
    assertEquals(new ExecutingMarks(path).leftovers(), [["b", { since: 2, tid: 11 }], ["c", { since: 3, tid: 12 }]]);
    second.clearLeftovers();
    second.delete("c");
    assertEquals(new ExecutingMarks(path).leftovers(), []);
    assertEquals(second.current(), []);
    first.close();
    second.close();
    // Unreadable text names nothing rather than failing the start.
    Deno.writeTextFileSync(path, '[["x", {"since": 1, "ti');
    assertEquals(new ExecutingMarks(path).leftovers(), []);
    // In memory only: nothing to read, nothing written.
    const memory = new ExecutingMarks(undefined);
    memory.set("m", { since: 1, tid: 1 });
    assertEquals(memory.current(), [["m", { since: 1, tid: 1 }]]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("executing marks: a file that cannot be written raises an error naming it and what to do", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const marks = new ExecutingMarks(`${dir}/gone/db.executing`);
    const err = assertThrows(() => marks.set("q", { since: 1, tid: 1 }), ExecutingMarksError);
    assertMatch(err.message, /gone\/db\.executing/);
    assertMatch(err.message, /free space or fix its permissions/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("executing marks: a directory or FIFO at the marks' path is refused by name, never read", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/dir.executing`);
    const fifo = new Deno.Command("mkfifo", { args: [`${dir}/fifo.executing`] }).outputSync();
    assertEquals(fifo.success, true, "mkfifo");
    for (const name of ["dir.executing", "fifo.executing"]) {
      const err = assertThrows(() => new ExecutingMarks(`${dir}/${name}`), ExecutingMarksError);
      assertMatch(err.message, new RegExp(`${name}: not a regular file; remove it`));
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("executing marks: the main file reads the query threads' files beside it, and clearing its leftovers empties them", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/osquery.db.executing`;
  try {
    const main = new ExecutingMarks(path);
    main.set("here", { since: 1, tid: 100 });
    // Thread 0 ran a long-named query, then a short one over it: one whole version stays.
    const thread0 = new ExecutingMarks(threadMarksPath(path, 0), { fresh: true });
    thread0.set("pack_a_long_scheduled_name", { since: 2, tid: 101 });
    thread0.delete("pack_a_long_scheduled_name", false);
    thread0.set("b", { since: 3, tid: 101 });
    const thread1 = new ExecutingMarks(threadMarksPath(path, 1), { fresh: true });
    thread1.set("c", { since: 4, tid: 102 });
    thread1.delete("c");
    // Not a thread's file: another database's marks beside this one.
    Deno.writeTextFileSync(`${path}.old`, '[["other", {"since": 5, "tid": 103}]]');
    const next = new ExecutingMarks(path, { threads: true });
    assertEquals(next.leftovers(), [["here", { since: 1, tid: 100 }], ["b", { since: 3, tid: 101 }]]);
    // A thread's file opened afresh ignores what it held (the main file has read it).
    assertEquals(new ExecutingMarks(threadMarksPath(path, 0), { fresh: true }).leftovers(), []);
    next.clearLeftovers();
    assertEquals(new ExecutingMarks(path, { threads: true }).leftovers(), []);
    assertEquals(Deno.readTextFileSync(threadMarksPath(path, 0)), "");
    for (const m of [main, thread0, thread1, next]) m.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
