import { assert, assertEquals, assertMatch, assertRejects, assertThrows } from "../../testing/assert.ts";
import { flags } from "../../core/flags/flags.ts";
import { kvAvailable, openStore, type Store } from "../../core/kv/store.ts";
import {
  FilesystemLogger,
  glogPrefix,
  type Logger,
  loggerMode,
  rotateFile,
  type StatusRecord,
  systemLog,
} from "./logger.ts";
import { drainOutbox } from "./outbox.ts";
import { zstdDecompress } from "../../core/compress/zstd.ts";

Deno.test("logger: --logger_mode is octal text, validated like osquery", () => {
  assertEquals(loggerMode("0640"), 0o640);
  assertEquals(loggerMode("600"), 0o600);
  assertThrows(() => loggerMode("0999"));
  assertThrows(() => loggerMode("012345"));
  assertThrows(() => loggerMode("0"));
});

Deno.test("logger: glog prefix is <sev>MMDD HH:MM:SS.uuuuuu tid file:line]", () => {
  const p = glogPrefix(
    { severity: 1, message: "m", file: "x.ts", line: 7, time: new Date(2026, 0, 2, 3, 4, 5, 6) },
    42,
  );
  assertEquals(p, "W0102 03:04:05.006000    42 x.ts:7] ");
});

Deno.test("logger: rotation moves to .1, compresses older files to .N.zst and keeps --logger_rotate_max_files", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/osqueryd.results.log`;
  for (let i = 1; i <= 4; i++) {
    Deno.writeTextFileSync(path, `generation ${i}\n`);
    rotateFile(path, 3);
  }
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assertEquals(names, ["osqueryd.results.log.1", "osqueryd.results.log.2.zst", "osqueryd.results.log.3.zst"]);
  assertEquals(Deno.readTextFileSync(`${path}.1`), "generation 4\n");
  assertEquals(new TextDecoder().decode(zstdDecompress(Deno.readFileSync(`${path}.2.zst`))), "generation 3\n");
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("logger: the filesystem logger rotates by --logger_rotate_size and writes with --logger_mode", async () => {
  const dir = Deno.makeTempDirSync();
  flags.set("logger_rotate", "true");
  flags.set("logger_rotate_size", "100");
  flags.set("logger_mode", "0600");
  try {
    const logger = new FilesystemLogger(dir);
    for (let i = 0; i < 5; i++) await logger.logLines("result", ["x".repeat(60)], BigInt(i));
    logger.logStatus({ severity: 2, message: "boom", file: "t.ts", line: 1, time: new Date() });
    logger.close();
    assertEquals(Deno.statSync(`${dir}/osqueryd.results.log`).mode! & 0o777, 0o600);
    assert(Deno.statSync(`${dir}/osqueryd.results.log.1`).isFile);
    assert(Deno.statSync(`${dir}/osqueryd.results.log.2.zst`).isFile);
    for (const level of ["INFO", "WARNING", "ERROR"]) {
      assertMatch(Deno.readTextFileSync(`${dir}/osqueryd.${level}`), /E\d{4} [\d:.]+ +\d+ t\.ts:1\] boom\n/);
    }
  } finally {
    flags.reset();
    Deno.removeSync(dir, { recursive: true });
  }
});

/** Commits run `n` of query "q" with the one line `line n`. */
async function commitLine(store: Store, n: number): Promise<void> {
  await store.commitRun({
    name: "q",
    previous: await store.getQuery("q"),
    state: { epoch: 0, counter: n, sql: "s" },
    lines: [`line ${n}`],
    category: "result",
  });
}

if (!kvAvailable()) {
  Deno.test("logger: the outbox tests pass under --unstable-kv", async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--unstable-kv", "--no-check", new URL(import.meta.url).pathname],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr));
  });
} else {
  /**
   * `real`, "crashing" right after it wrote (before the entries are marked shipped): after the
   * write of entry `seq`, or of any entry; `batchable` drains it in batches.
   */
  const crashingAfterWrite = (real: Logger, options: { seq?: bigint; batchable?: boolean }): Logger => ({
    name: real.name,
    ...(options.batchable ? { batchable: true } : {}),
    async logLines(c, lines, seq) {
      await real.logLines(c, lines, seq);
      if (options.seq === undefined || seq === options.seq) throw new Error("crash");
    },
    logStatus: () => {},
    recover: () => real.recover(),
    close: () => real.close(),
  });

  Deno.test("logger: a crash between writing and marking shipped is undone, so each entry is written once", async () => {
    const dir = Deno.makeTempDirSync();
    const store = await openStore(":memory:");
    try {
      for (const n of [1, 2, 3]) await commitLine(store, n);
      // A logger that "crashes" right after writing entry 2 (before it is marked shipped).
      const real = new FilesystemLogger(dir, store);
      const crashing = crashingAfterWrite(real, { seq: 2n });
      let failed = false;
      try {
        await drainOutbox(store, [crashing]);
      } catch {
        failed = true;
      }
      assert(failed);
      assertEquals(Deno.readTextFileSync(`${dir}/osqueryd.results.log`), "line 1\nline 2\n");
      const restarted = new FilesystemLogger(dir, store);
      await restarted.recover();
      assertEquals(Deno.readTextFileSync(`${dir}/osqueryd.results.log`), "line 1\n");
      assertEquals(await drainOutbox(store, [restarted]), 2);
      assertEquals(Deno.readTextFileSync(`${dir}/osqueryd.results.log`), "line 1\nline 2\nline 3\n");
      assertEquals(await drainOutbox(store, [restarted]), 0);
    } finally {
      store.close();
      Deno.removeSync(dir, { recursive: true });
    }
  });

  Deno.test("logger: the commit that retires a write leaves the next write's intent standing; a crash after that write is still undone", async () => {
    const dir = Deno.makeTempDirSync();
    const store = await openStore(":memory:");
    const line = (n: number) => commitLine(store, n);
    // Intents written on their own (a commit each), counted.
    let ownIntents = 0;
    const set = store.set.bind(store);
    store.set = (key, value) => (key[0] === "intent" && ownIntents++, set(key, value));
    try {
      const real = new FilesystemLogger(dir, store);
      await line(1);
      assertEquals(await drainOutbox(store, [real]), 1);
      assertEquals(ownIntents, 1, "the first write sets its intent");
      assertEquals(await store.get(["intent", "filesystem"]), { file: `${dir}/osqueryd.results.log`, size: 7 });
      await line(2);
      // Crashes right after writing entry 2, before its retirement.
      const crashing = crashingAfterWrite(real, { batchable: true });
      await assertRejects(() => drainOutbox(store, [crashing]));
      assertEquals(ownIntents, 1, "the standing intent served the second write");
      assertEquals(Deno.readTextFileSync(`${dir}/osqueryd.results.log`), "line 1\nline 2\n");
      const restarted = new FilesystemLogger(dir, store);
      await restarted.recover();
      assertEquals(Deno.readTextFileSync(`${dir}/osqueryd.results.log`), "line 1\n");
      assertEquals(await drainOutbox(store, [restarted]), 1);
      assertEquals(Deno.readTextFileSync(`${dir}/osqueryd.results.log`), "line 1\nline 2\n");
      // Another program appended to the file: the standing intent no longer says where the
      // next write starts, so that write sets its own.
      Deno.writeTextFileSync(`${dir}/osqueryd.results.log`, "other\n", { append: true });
      const before = ownIntents;
      await line(3);
      assertEquals(await drainOutbox(store, [restarted]), 1);
      assertEquals(ownIntents, before + 1);
      // Stopping drops the standing intent: nothing will cut the file back at the next start.
      await restarted.settle();
      assertEquals(await store.get(["intent", "filesystem"]), null);
      assertEquals(Deno.readTextFileSync(`${dir}/osqueryd.results.log`), "line 1\nline 2\nother\nline 3\n");
    } finally {
      store.close();
      Deno.removeSync(dir, { recursive: true });
    }
  });

  Deno.test("logger: batched shipping writes each entry once per logger across a crash before the batch's commit", async () => {
    const dirs = [Deno.makeTempDirSync(), Deno.makeTempDirSync()];
    const store = await openStore(":memory:");
    try {
      const runs = [1, 2, 3, 4].map((n) => ({
        name: `q${n}`,
        previous: { key: ["query", `q${n}`], value: null, versionstamp: null },
        state: { epoch: 0, counter: 0, sql: "s" },
        lines: [`line ${n}a`, `line ${n}b`],
        category: "result" as const,
      }));
      const outcomes = await store.commitRuns([
        ...runs,
        { name: "snap", previous: await store.getQuery("snap"), lines: ["snap 1"], category: "snapshot" },
      ]);
      assertEquals(outcomes, [1n, 2n, 3n, 4n, 5n]);
      const first = new FilesystemLogger(dirs[0], store);
      const second = new FilesystemLogger(dirs[1], store);
      // Two filesystem loggers need two names in the store.
      const named = (l: FilesystemLogger, name: string, crash = false): Logger => ({
        name,
        batchable: true,
        async logLines(c, lines, seq) {
          await l.logLines(c, lines, seq);
          if (crash) throw new Error("crash");
        },
        logStatus: () => {},
        recover: () => l.recover(),
        close: () => l.close(),
      });
      let failed = false;
      try {
        await drainOutbox(store, [named(first, "a"), named(second, "b", true)]);
      } catch {
        failed = true;
      }
      assert(failed);
      const results = (i: number) => Deno.readTextFileSync(`${dirs[i]}/osqueryd.results.log`);
      const all = "line 1a\nline 1b\nline 2a\nline 2b\nline 3a\nline 3b\nline 4a\nline 4b\n";
      // Both wrote the four result entries in one write; only the first logger's marks are stored.
      assertEquals(results(0), all);
      assertEquals(results(1), all);
      assertEquals((await store.shippedMarks()).size, 4);
      // Restart: the second logger's write is undone (its intent is still there), then both ship.
      const again = [
        named(new FilesystemLogger(dirs[0], store), "a"),
        named(new FilesystemLogger(dirs[1], store), "b"),
      ];
      // FilesystemLogger keeps its intent under its own name: undo it as the crashed one did.
      const intent = await store.get<{ seq: bigint; file: string; size: number }>(["intent", "filesystem"]);
      assertEquals(intent?.seq, 4n);
      await second.recover();
      assertEquals(results(1), "");
      assertEquals(await drainOutbox(store, again), 5);
      assertEquals(results(0), all);
      assertEquals(results(1), all);
      for (const d of dirs) assertEquals(Deno.readTextFileSync(`${d}/osqueryd.snapshots.log`), "snap 1\n");
      assertEquals(await drainOutbox(store, again), 0);
      assertEquals((await store.shippedMarks()).size, 0);
    } finally {
      store.close();
      for (const d of dirs) Deno.removeSync(d, { recursive: true });
    }
  });
}

Deno.test("logger: a rotation interrupted mid-compression is finished without losing or doubling lines", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/osqueryd.results.log`;
  Deno.writeTextFileSync(`${path}.2.pending`, "older\n");
  Deno.writeTextFileSync(path, "newest\n");
  rotateFile(path, 25);
  assertEquals(new TextDecoder().decode(zstdDecompress(Deno.readFileSync(`${path}.2.zst`))), "older\n");
  assertEquals(Deno.readTextFileSync(`${path}.1`), "newest\n");
  assertEquals([...Deno.readDirSync(dir)].length, 2);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("logger: systemLog names the file and line that called it, as glog does", () => {
  const seen: StatusRecord[] = [];
  systemLog(1, "worker stopping", { logStatus: (r) => seen.push(r) }); // marker: systemLog call
  assertEquals(seen.length, 1);
  assertEquals([seen[0].severity, seen[0].message, seen[0].file], [1, "worker stopping", "logger_test.ts"]);
  const source = Deno.readTextFileSync(new URL(import.meta.url)).split("\n");
  assert(source[seen[0].line - 1].includes("// marker: systemLog call"), `line ${seen[0].line}`);
});
