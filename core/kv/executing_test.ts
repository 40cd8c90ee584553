import { assertEquals, assertMatch, assertThrows } from "../../testing/assert.ts";
import { ExecutingMarks, ExecutingMarksError } from "./executing.ts";

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
