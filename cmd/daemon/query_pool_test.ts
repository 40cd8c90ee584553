import { assert, assertEquals } from "../../testing/assert.ts";
import { QueryPool } from "./query_pool.ts";
import { waitFor } from "../../testing/wait.ts";
import { rowTextAt } from "../../core/results/sorted_rows.ts";

Deno.test("query pool: a differential query's rows come back sorted as transferred buffers, every run afresh", async () => {
  const dir = Deno.makeTempDirSync();
  const pool = new QueryPool(1);
  try {
    Deno.writeTextFileSync(`${dir}/a`, "1");
    Deno.writeTextFileSync(`${dir}/b`, "2");
    const sql = `select path from file where directory = '${dir}' order by path`;
    const first = await pool.run(sql, { name: "files" });
    assert(first.ok, first.error);
    assertEquals(first.rows, []);
    assertEquals(first.count, 2);
    assert(first.sorted);
    // The rows in the query's order, and their order by hash.
    assertEquals([rowTextAt(first.sorted, 0), rowTextAt(first.sorted, 1)], [
      `{"path":"${dir}/a"}`,
      `{"path":"${dir}/b"}`,
    ]);
    assertEquals([...first.sorted.order].sort(), [0, 1]);
    // The thread keeps nothing: the next run answers every row again.
    Deno.removeSync(`${dir}/a`);
    const second = await pool.run(sql, { name: "files" });
    assertEquals(second.count, 1);
    assertEquals(rowTextAt(second.sorted!, 0), `{"path":"${dir}/b"}`);
    // Without a name (snapshot, live queries): rows as strings.
    const plain = await pool.run(sql);
    assertEquals(plain.rows, [`{"path":"${dir}/b"}`]);
    assertEquals(plain.sorted, undefined);
  } finally {
    pool.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("query pool: a thread that answered a large result ends; the next query starts another", async () => {
  const pool = new QueryPool(1, { largeBytes: 100_000 });
  try {
    const large = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT x FROM c";
    const small = "SELECT 1 AS one";
    const first = await pool.run(small, { name: "small" });
    assert(first.ok, first.error);
    assertEquals(pool.size, 1, "a small result keeps its thread");
    const big = await pool.run(large, { name: "large" });
    assert(big.ok, big.error);
    assert(big.size >= 100_000, `size ${big.size}`);
    assertEquals(big.count, 20_000);
    assertEquals(pool.size, 0, "the thread that answered the large result ended");
    // The transferred rows stay readable after their thread ended.
    assertEquals(rowTextAt(big.sorted!, big.count! - 1), `{"x":20000}`);
    const next = await pool.run(small, { name: "small" });
    assert(next.ok, next.error);
    assertEquals(next.count, 1);
    assertEquals(pool.size, 1);
  } finally {
    pool.close();
  }
});

Deno.test("query pool: a thread that answered a very large result is replaced a moment later, and the next query runs on it", async () => {
  const pool = new QueryPool(1, { largeBytes: 100_000, prestartBytes: 100_000, prestartMs: 0 });
  try {
    const large = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT x FROM c";
    const big = await pool.run(large, { name: "large" });
    assert(big.ok, big.error);
    assertEquals(pool.size, 0, "the thread that answered the large result ended");
    // Poll: the replacement starts on a timer.
    for (let i = 0; i < 1000 && pool.size === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assertEquals(pool.size, 1, "a thread was started for the next query");
    const next = await pool.run("SELECT 1 AS one", { name: "small" });
    assert(next.ok, next.error);
    assertEquals(pool.size, 1, "the next query ran on that thread, no other started");
  } finally {
    pool.close();
  }
});

Deno.test("query pool: a thread used across its idle timer's due time ends once idle, and the next query starts another", async () => {
  const pool = new QueryPool(1, { idleMs: 500 });
  try {
    // Queries before and after the first idle timer's due time (the timer is armed once, then
    // looks at when the thread was last released).
    const until = performance.now() + 1000;
    while (performance.now() < until) {
      assert((await pool.run("select 1 as x")).ok);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Then unused: it ends (polled, generous deadline for a loaded machine).
    const deadline = performance.now() + 60_000;
    while (pool.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assertEquals(pool.size, 0);
    assert((await pool.run("select 1 as x")).ok, "the next query starts a thread again");
    assertEquals(pool.size, 1);
  } finally {
    pool.close();
  }
});

Deno.test("query pool: a reply counts the thread's own CPU time in whole milliseconds and the process's resident size", async () => {
  const pool = new QueryPool(1);
  try {
    // A recursive count the thread spends tens of milliseconds on.
    const sql =
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT count(*) AS n FROM c";
    const reply = await pool.run(sql);
    assert(reply.ok, reply.error);
    assert(Number.isInteger(reply.userMs) && Number.isInteger(reply.systemMs), `${reply.userMs} ${reply.systemMs}`);
    assert(reply.userMs + reply.systemMs > 0, "the query's CPU time is counted");
    assert(
      reply.userMs + reply.systemMs <= reply.wallMs + 20,
      `CPU ${reply.userMs + reply.systemMs} ms, wall ${reply.wallMs} ms`,
    );
    // The thread lives in this process: its resident size is this process's, as /proc says.
    const resident = Number(Deno.readTextFileSync("/proc/self/statm").split(" ")[1]) * 4096;
    assert(reply.memory > resident / 2 && reply.memory < resident * 2, `reply ${reply.memory}, /proc ${resident}`);
    const again = await pool.run("select 1 as one");
    assert(again.memory > resident / 2, "read again on the next run");
  } finally {
    pool.close();
  }
});

/** A query the thread spends about `ms` on (a recursive count, ~20-50 M steps a second). */
const busyFor = (steps: number) =>
  `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${steps}) SELECT count(*) AS n FROM c`;

Deno.test("query pool: queries asked together run in order on one thread, each with its own reply", async () => {
  const pool = new QueryPool(4);
  try {
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => pool.run(`select ${i} as i`, i % 2 ? { name: `q${i}` } : {})),
    );
    replies.forEach((r, i) => {
      assert(r.ok, r.error);
      if (i % 2) assertEquals(rowTextAt(r.sorted!, 0), `{"i":${i}}`);
      else assertEquals(r.rows, [`{"i":${i}}`]);
    });
    assertEquals(pool.size, 1, "fast queries share one thread");
  } finally {
    pool.close();
  }
});

Deno.test("query pool: queries behind a slow one move to a new thread once it ran slowMs", async () => {
  const pool = new QueryPool(2, { slowMs: 200 });
  try {
    // Warm the thread (start-up does not count as slow).
    assert((await pool.run("select 1 as one")).ok);
    const finished: string[] = [];
    const slow = pool.run(busyFor(60_000_000)).then((r) => (finished.push("slow"), r));
    const fast = Array.from(
      { length: 5 },
      (_, i) => pool.run(`select ${i} as i`).then((r) => (finished.push(`f${i}`), r)),
    );
    for (const r of await Promise.all([slow, ...fast])) assert(r.ok, r.error);
    assertEquals(finished.slice(0, 5), ["f0", "f1", "f2", "f3", "f4"], `order ${finished}`);
    assertEquals(pool.size, 2);
  } finally {
    pool.close();
  }
});

/** The marks in a thread's marks file once any are there (polled for up to 5 s). */
function marksOnceWritten(file: string): Promise<[string, { tid: number }][]> {
  return waitFor(`marks in ${file}`, () => {
    const text = Deno.readTextFileSync(file).trim();
    const marks = text ? JSON.parse(text) as [string, { tid: number }][] : [];
    return marks.length ? marks : undefined;
  }, { seconds: 5, intervalMs: 5 });
}

Deno.test("query pool: a thread marks the scheduled query it runs in its own file, and clears it after", async () => {
  const dir = Deno.makeTempDirSync();
  const marksPath = `${dir}/osquery.db.executing`;
  const pool = new QueryPool(1, { marksPath });
  try {
    const running = pool.run(busyFor(20_000_000), { mark: "pack_slow" });
    const seen = await marksOnceWritten(`${marksPath}.0`);
    assertEquals(seen.map(([name]) => name), ["pack_slow"]);
    assert(seen[0][1].tid > 0 && seen[0][1].tid !== Deno.pid, "the mark names the query thread");
    assert((await running).ok);
    assertEquals(JSON.parse(Deno.readTextFileSync(`${marksPath}.0`)), [], "no mark once it finished");
  } finally {
    pool.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("query pool: closing the pool under a running query leaves no mark to blame at the next start", async () => {
  const dir = Deno.makeTempDirSync();
  const marksPath = `${dir}/osquery.db.executing`;
  const pool = new QueryPool(1, { marksPath });
  try {
    const running = pool.run(busyFor(200_000_000), { mark: "pack_long" });
    const file = `${marksPath}.0`;
    assertEquals((await marksOnceWritten(file)).map(([name]) => name), ["pack_long"], "marked while it ran");
    pool.close();
    const reply = await running;
    assertEquals([reply.ok, reply.error], [false, "The daemon is stopping."]);
    assertEquals(Deno.readTextFileSync(file).trim(), "");
  } finally {
    pool.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

/** True while this process holds a descriptor open on `path`. */
function holdsOpen(path: string): boolean {
  for (const e of Deno.readDirSync("/proc/self/fd")) {
    try {
      if (Deno.readLinkSync(`/proc/self/fd/${e.name}`) === path) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

Deno.test("query pool: a thread ending after a large result or when idle ends itself at once, its marks file closed (no terminate after the grace)", async () => {
  const dir = Deno.makeTempDirSync();
  const marksPath = `${dir}/osquery.db.executing`;
  const pool = new QueryPool(1, { marksPath, largeBytes: 100_000, idleMs: 300 });
  try {
    const large = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000) SELECT x FROM c";
    const big = await pool.run(large, { name: "large", mark: "pack_large" });
    assert(big.ok, big.error);
    assertEquals(pool.size, 0);
    // Within 5 s: the pool terminates a thread that has not ended itself only after 10 s.
    await waitFor("the thread to close its marks file and end", () => !holdsOpen(`${marksPath}.0`), { seconds: 5 });
    assert((await pool.run("SELECT 1 AS one", { mark: "pack_small" })).ok);
    assert(holdsOpen(`${marksPath}.0`), "the next thread has its own marks file open");
    // Idle past idleMs: asked to end, it closes them too.
    await waitFor("the idle thread to close its marks file and end", () => !holdsOpen(`${marksPath}.0`), {
      seconds: 5,
    });
    assertEquals(pool.size, 0);
  } finally {
    pool.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
