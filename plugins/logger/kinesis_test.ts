import { assert, assertEquals } from "../../testing/assert.ts";
import { openStore, type Store } from "../../core/kv/store.ts";
import { withFlags } from "../../testing/fake_tls_server.ts";
import { drainOutbox } from "./outbox.ts";
import { KinesisLogger } from "./kinesis.ts";
import { Severity } from "./logger.ts";
import { readStream, startKinesis } from "./kinesis_peer.ts";
import { commitLines, peerTest, resultLine, withLogger } from "./logger_test_helpers.ts";
function typed(l: string): string {
  return l.slice(0, -1) + ',"log_type":"result"}';
}

/**
 * A test with a fresh Kinesis stand-in (stream "osq" of `shards` shards) and an in-memory store,
 * both closed afterwards.
 */
function kinesisTest(
  name: string,
  shards: number,
  fn: (kinesis: Awaited<ReturnType<typeof startKinesis>>, store: Store) => Promise<void>,
): void {
  peerTest(name, async () => {
    const kinesis = await startKinesis("osq", shards);
    const store = await openStore(":memory:");
    return {
      kinesis,
      store,
      close: async () => {
        store.close();
        await kinesis.close();
      },
    };
  }, ({ kinesis, store }) => fn(kinesis, store));
}

function flagsFor(endpoint: string): Record<string, string> {
  return {
    aws_kinesis_endpoint: endpoint,
    aws_kinesis_stream: "osq",
    aws_access_key_id: "AKIDTEST",
    aws_secret_access_key: "secret",
    aws_region: "us-east-1",
  };
}

kinesisTest(
  "aws_kinesis: result lines reach a Kinesis stream once, with log_type, keyed by host identifier, in order",
  2,
  async (kinesis, store) => {
    await withLogger(
      flagsFor(kinesis.endpoint),
      () => new KinesisLogger({ store, context: { hostIdentifier: () => "host-a" }, periodMs: 3_600_000 }),
      async (logger) => {
        await commitLines(store, "a", [resultLine("a", 1), resultLine("a", 2)]);
        await commitLines(store, "b", [resultLine("b", 3)]);
        await commitLines(store, "a", [resultLine("a", 4)]);
        assertEquals(await drainOutbox(store, [logger]), 3);
        assertEquals(await drainOutbox(store, [logger]), 0);
      },
    );
    const got = await readStream(kinesis.endpoint, "osq");
    assert(got.every((r) => r.key === "host-a"));
    assertEquals(
      got.map((r) => r.text),
      [resultLine("a", 1), resultLine("a", 2), resultLine("b", 3), resultLine("a", 4)].map(typed),
    );
  },
);

kinesisTest("aws_kinesis: 1,200 lines go in PutRecords batches of at most 500 and all arrive", 1, async (kinesis) => {
  await withLogger(
    { ...flagsFor(kinesis.endpoint), aws_kinesis_random_partition_key: "true" },
    () => new KinesisLogger({ periodMs: 3_600_000 }),
    async (logger) => {
      await logger.logLines("result", Array.from({ length: 1200 }, (_, i) => resultLine("big", i)), 1n);
    },
  );
  const got = await readStream(kinesis.endpoint, "osq");
  assertEquals(got.length, 1200);
  assertEquals(new Set(got.map((r) => r.key)).size, 1200, "random partition keys differ per record");
});

kinesisTest("aws_kinesis: status logs are sent with log_type status every period", 1, async (kinesis) => {
  await withLogger(
    flagsFor(kinesis.endpoint),
    () => new KinesisLogger({ context: { hostIdentifier: () => "host-a" }, periodMs: 3_600_000 }),
    async (logger) => {
      logger.logStatus({
        severity: Severity.WARNING,
        message: "disk low",
        file: "w.ts",
        line: 7,
        time: new Date(),
      });
      await logger.flushStatus();
      assertEquals(logger.pendingStatus, 0);
    },
  );
  const [record] = await readStream(kinesis.endpoint, "osq");
  const doc = JSON.parse(record.text);
  assertEquals([doc.hostIdentifier, doc.severity, doc.message, doc.filename, doc.line, doc.log_type], [
    "host-a",
    1,
    "disk low",
    "w.ts",
    7,
    "status",
  ]);
});

kinesisTest(
  "aws_kinesis: records that arrived before a crash retired them are read back and not sent again",
  2,
  async (kinesis, store) => {
    await withFlags(flagsFor(kinesis.endpoint), async () => {
      await commitLines(store, "a", [resultLine("a", 1), resultLine("a", 2)]);
      await commitLines(store, "a", [resultLine("a", 3)]);
      const first = new KinesisLogger({ store, context: { hostIdentifier: () => "host-a" }, periodMs: 3_600_000 });
      const [entry] = await Array.fromAsync(store.outbox());
      await first.logLines("result", await store.linesOf(entry.entry), entry.seq);
      first.close();
      const second = new KinesisLogger({ store, context: { hostIdentifier: () => "host-a" }, periodMs: 3_600_000 });
      try {
        await second.recover();
        assertEquals(await drainOutbox(store, [second]), 2);
      } finally {
        second.close();
      }
    });
    assertEquals(
      (await readStream(kinesis.endpoint, "osq")).map((r) => r.text),
      [
        resultLine("a", 1),
        resultLine("a", 2),
        resultLine("a", 3),
      ].map(typed),
    );
  },
);

Deno.test("aws_kinesis: without --aws_kinesis_stream the logger refuses to start, naming the flag", async () => {
  await withFlags({ aws_kinesis_stream: "" }, () => {
    let message = "";
    try {
      new KinesisLogger();
    } catch (err) {
      message = (err as Error).message;
    }
    assertEquals(message, "Stream name must be specified with --aws_kinesis_stream");
    return Promise.resolve();
  });
});

kinesisTest(
  "aws_kinesis: the --buffered_log_max warning names the line that logged it, as glog does",
  1,
  async (kinesis) => {
    await withLogger(
      { ...flagsFor(kinesis.endpoint), buffered_log_max: "2" },
      () => new KinesisLogger({ context: { hostIdentifier: () => "host-a" }, periodMs: 3_600_000 }),
      async (logger) => {
        for (let i = 0; i < 4; i++) {
          logger.logStatus({ severity: Severity.INFO, message: `m${i}`, file: "w.ts", line: 7, time: new Date() });
        }
        await logger.flushStatus();
      },
    );
    const docs = (await readStream(kinesis.endpoint, "osq")).map((r) => JSON.parse(r.text));
    const purge = docs.find((d) => String(d.message).startsWith("Purging buffered logs limit"));
    assert(purge, JSON.stringify(docs));
    assertEquals(purge.filename, "status_buffer.ts");
    const source = Deno.readTextFileSync(new URL("./status_buffer.ts", import.meta.url)).split("\n");
    assert(
      source.slice(purge.line - 5, purge.line).join("\n").includes("Purging buffered logs limit"),
      `status_buffer.ts:${purge.line}`,
    );
  },
);
