import { assert, assertEquals } from "../../testing/assert.ts";
import { openStore, type Store } from "../../core/kv/store.ts";
import { withFlags } from "../../testing/fake_tls_server.ts";
import { drainOutbox } from "./outbox.ts";
import { KafkaLogger, parseKafkaTopics, queryNameOf, setKafkaTopics } from "./kafka.ts";
import { KafkaMockCluster, readTopic } from "./kafka_peer.ts";
import { commitLines, resultLine } from "./logger_test_helpers.ts";

const KEY = `${Deno.hostname()}_osqueryd`;

async function readTopicOf(cluster: KafkaMockCluster, topic: string) {
  return await readTopic(cluster.bootstraps, topic);
}

async function drainUntilEmpty(store: Store, logger: KafkaLogger, seconds = 90): Promise<void> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    try {
      await drainOutbox(store, [logger]);
    } catch {
      // the broker is not back yet
    }
    let left = 0;
    for await (const _ of store.outbox()) left++;
    if (left === 0) return;
    if (Date.now() > end) throw new Error(`${left} outbox entries were still not delivered after ${seconds} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const FAST = { "message.timeout.ms": "2000", "reconnect.backoff.max.ms": "200", "log_level": "0" };

Deno.test("kafka_producer: config kafka_topics maps query names to topics, osquery's parser rules", () => {
  const map = parseKafkaTopics({ procs: ["processes", "pids"], users: ["logged_in"], empty: [] });
  assertEquals([...map], [["processes", "procs"], ["pids", "procs"], ["logged_in", "users"]]);
  assertEquals(parseKafkaTopics(undefined).size, 0);
  let failed = false;
  try {
    parseKafkaTopics({ procs: "processes" });
  } catch (err) {
    failed = true;
    assert((err as Error).message.includes("array of query names"));
  }
  assert(failed);
  assertEquals(queryNameOf(resultLine("processes", 1)), "processes");
  assertEquals(queryNameOf("not json"), "");
});

Deno.test({
  name: "kafka_producer: lines go to the query's topic or the base topic, keyed host_osqueryd, payload as logged",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cluster = new KafkaMockCluster(1);
    cluster.createTopic("osquery_base", 3);
    cluster.createTopic("procs", 3);
    const store = await openStore(":memory:");
    setKafkaTopics(parseKafkaTopics({ procs: ["processes"] }));
    const statuses: string[] = [];
    try {
      await withFlags({ logger_kafka_topic: "osquery_base", logger_kafka_compression: "gzip" }, async () => {
        const logger = new KafkaLogger({
          store,
          brokers: cluster.bootstraps,
          properties: FAST,
          context: { status: (_s, m) => statuses.push(m) },
        });
        try {
          await commitLines(store, "processes", [resultLine("processes", 1), resultLine("processes", 2)]);
          await commitLines(store, "users", [resultLine("users", 3)]);
          await commitLines(store, "processes", [resultLine("processes", 4)]);
          await drainUntilEmpty(store, logger);
        } finally {
          await logger.closeAsync();
        }
      });
      const procs = await readTopicOf(cluster, "procs");
      assertEquals(procs.map((m) => m.payload), [
        resultLine("processes", 1),
        resultLine("processes", 2),
        resultLine("processes", 4),
      ]);
      assert(procs.every((m) => m.key === KEY));
      assertEquals((await readTopicOf(cluster, "osquery_base")).map((m) => m.payload), [resultLine("users", 3)]);
      assertEquals(statuses, []);
    } finally {
      setKafkaTopics(new Map());
      store.close();
      await cluster.close();
    }
  },
});

Deno.test({
  name: "kafka_producer: a line whose query has no topic, with no base topic, is dropped with an error as osquery",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cluster = new KafkaMockCluster(1);
    cluster.createTopic("procs", 1);
    setKafkaTopics(parseKafkaTopics({ procs: ["processes"] }));
    const statuses: string[] = [];
    try {
      await withFlags({ logger_kafka_topic: "" }, async () => {
        const logger = new KafkaLogger({
          brokers: cluster.bootstraps,
          properties: FAST,
          context: { status: (_s, m) => statuses.push(m) },
        });
        try {
          await logger.logLines("result", [resultLine("processes", 1), resultLine("users", 2)], 1n);
        } finally {
          await logger.closeAsync();
        }
      });
      assertEquals((await readTopicOf(cluster, "procs")).map((m) => m.payload), [resultLine("processes", 1)]);
      assertEquals(statuses.length, 1);
      assert(statuses[0].includes("Topic not configured for message name 'users'"));
    } finally {
      setKafkaTopics(new Map());
      await cluster.close();
    }
  },
});

Deno.test({
  name: "kafka_producer: with the broker down for a while every line still arrives once, in order per query",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cluster = new KafkaMockCluster(1);
    cluster.createTopic("results", 2);
    const store = await openStore(":memory:");
    const want = new Map<string, string[]>();
    const add = async (name: string, i: number) => {
      const l = [resultLine(name, i), resultLine(name, i + 1000)];
      want.set(name, [...(want.get(name) ?? []), ...l]);
      await commitLines(store, name, l);
    };
    try {
      await withFlags({ logger_kafka_topic: "results" }, async () => {
        const logger = new KafkaLogger({ store, brokers: cluster.bootstraps, properties: FAST });
        try {
          for (let i = 0; i < 5; i++) await add(`q${i % 2}`, i);
          await drainUntilEmpty(store, logger);
          cluster.brokerDown(1);
          for (let i = 5; i < 15; i++) await add(`q${i % 2}`, i);
          // While the broker is down nothing can be acknowledged: the entries stay.
          let failed = false;
          try {
            await drainOutbox(store, [logger]);
          } catch {
            failed = true;
          }
          assert(failed, "shipping with the broker down should fail");
          cluster.brokerUp(1);
          for (let i = 15; i < 20; i++) await add(`q${i % 2}`, i);
          await drainUntilEmpty(store, logger);
        } finally {
          await logger.closeAsync();
        }
      });
      const got = await readTopicOf(cluster, "results");
      for (const [name, lines] of want) {
        assertEquals(got.filter((m) => queryNameOf(m.payload) === name).map((m) => m.payload), lines);
      }
      assertEquals(got.length, [...want.values()].reduce((n, l) => n + l.length, 0));
    } finally {
      store.close();
      await cluster.close();
    }
  },
});

Deno.test({
  name: "kafka_producer: lines that reached Kafka before a crash retired them are not sent again after a restart",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cluster = new KafkaMockCluster(1);
    cluster.createTopic("results", 3);
    const store = await openStore(":memory:");
    try {
      await withFlags({ logger_kafka_topic: "results" }, async () => {
        await commitLines(store, "q", [resultLine("q", 1), resultLine("q", 2)]);
        await commitLines(store, "q", [resultLine("q", 3)]);
        // The first process sends the first entry and "dies" before the outbox retires it.
        const first = new KafkaLogger({ store, brokers: cluster.bootstraps, properties: FAST });
        const [entry] = await Array.fromAsync(store.outbox());
        await first.logLines("result", await store.linesOf(entry.entry), entry.seq);
        await first.closeAsync();
        const statuses: string[] = [];
        const second = new KafkaLogger({
          store,
          brokers: cluster.bootstraps,
          properties: FAST,
          context: { status: (_s, m) => statuses.push(m) },
        });
        try {
          await second.recover();
          await drainUntilEmpty(store, second);
        } finally {
          await second.closeAsync();
        }
        assertEquals(statuses, ["kafka_producer: 2 result lines had already reached Kafka; not sent again"]);
      });
      assertEquals((await readTopicOf(cluster, "results")).map((m) => m.payload), [
        resultLine("q", 1),
        resultLine("q", 2),
        resultLine("q", 3),
      ]);
    } finally {
      store.close();
      await cluster.close();
    }
  },
});
