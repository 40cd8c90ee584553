/**
 * Sustained shipping rate of each logger with its peer, side by side with the filesystem logger
 * in the same run: the outbox of a database file holds ENTRIES runs of LINES result lines
 * (osquery's event format, ~330 bytes each), and the logger drains it to the end, retiring each
 * entry only once the peer accepted it — the daemon's path from a committed run to the sink.
 *
 * Peers: the filesystem (a temp dir), librdkafka's mock cluster (kafka_producer, acks=all),
 * kinesalite (aws_kinesis; a JavaScript implementation of Kinesis, itself the slower side) and a
 * Firehose stand-in that takes PutRecordBatch (aws_firehose). All on loopback in this process.
 *
 * `deno run -A --unstable-kv scripts/bench_loggers.ts [entries] [lines per entry]`
 *
 * @module
 */
import { openStore } from "../core/kv/store.ts";
import { flags } from "../core/flags/flags.ts";
import { FilesystemLogger, type Logger } from "../plugins/logger/logger.ts";
import { drainOutbox } from "../plugins/logger/outbox.ts";
import { KafkaLogger } from "../plugins/logger/kafka.ts";
import { KafkaMockCluster, readTopic } from "../plugins/logger/kafka_peer.ts";
import { KafkaConsumer } from "../plugins/logger/kafka_ffi.ts";
import { KinesisLogger } from "../plugins/logger/kinesis.ts";
import { readStream, startKinesis } from "../plugins/logger/kinesis_peer.ts";
import { FirehoseLogger } from "../plugins/logger/firehose.ts";

const ENTRIES = Number(Deno.args[0] ?? 100);
const LINES = Number(Deno.args[1] ?? 200);

function line(entry: number, i: number): string {
  return JSON.stringify({
    name: "pack_incident-response_process_events",
    hostIdentifier: "bench-host.example.com",
    calendarTime: "Mon Dec  7 05:00:00 2026 UTC",
    unixTime: 1796619600 + entry,
    epoch: 0,
    counter: entry,
    numerics: false,
    columns: {
      pid: String(1000 + i),
      path: `/usr/lib/systemd/systemd-worker-${i}`,
      cmdline: `/usr/lib/systemd/systemd-worker --unit=${entry}-${i} --log-level=info`,
      uid: "0",
      parent: "1",
    },
    action: "added",
  });
}

/** Fills a fresh store's outbox, drains it through `logger`; returns lines per second. */
async function measure(name: string, makeLogger: (store: Awaited<ReturnType<typeof openStore>>) => Logger) {
  const dir = Deno.makeTempDirSync({ prefix: "osq-bench-loggers-" });
  const store = await openStore(`${dir}/osquery.db`);
  try {
    for (let e = 0; e < ENTRIES; e++) {
      const previous = await store.getQuery("q");
      await store.commitRun({
        name: "q",
        previous,
        state: { epoch: 0, counter: e, sql: "select 1" },
        lines: Array.from({ length: LINES }, (_, i) => line(e, i)),
        category: "result",
      });
    }
    const logger = makeLogger(store);
    try {
      const start = performance.now();
      const retired = await drainOutbox(store, [logger]);
      const seconds = (performance.now() - start) / 1000;
      if (retired !== ENTRIES) throw new Error(`${name}: ${retired} of ${ENTRIES} entries retired`);
      return { name, lines: ENTRIES * LINES, seconds, rate: (ENTRIES * LINES) / seconds };
    } finally {
      if (logger instanceof KafkaLogger) await logger.closeAsync();
      else logger.close();
    }
  } finally {
    store.close();
    Deno.removeSync(dir, { recursive: true });
  }
}

/** A Firehose stand-in: accepts every PutRecordBatch, counts records. */
function firehoseStandIn() {
  let records = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const doc = await req.json() as { Records: unknown[] };
    records += doc.Records.length;
    return Response.json({ FailedPutCount: 0, RequestResponses: doc.Records.map((_, i) => ({ RecordId: `r${i}` })) });
  });
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    get records() {
      return records;
    },
    close: () => server.shutdown(),
  };
}

async function kafkaEnd(): Promise<number> {
  const consumer = new KafkaConsumer({ "bootstrap.servers": cluster.bootstraps, "log_level": "0" });
  try {
    return Number((await consumer.watermarks("bench", 0)).high);
  } finally {
    await consumer.close();
  }
}

const results: { name: string; lines: number; seconds: number; rate: number }[] = [];
const logDir = Deno.makeTempDirSync({ prefix: "osq-bench-fs-" });
const cluster = new KafkaMockCluster(1);
cluster.createTopic("bench", 1);
const kinesis = await startKinesis("bench", 1);
const firehose = firehoseStandIn();
flags.set("logger_kafka_topic", "bench");
flags.set("aws_kinesis_stream", "bench");
flags.set("aws_kinesis_endpoint", kinesis.endpoint);
flags.set("aws_firehose_stream", "bench");
flags.set("aws_firehose_endpoint", firehose.endpoint);
flags.set("aws_access_key_id", "AKIDBENCH");
flags.set("aws_secret_access_key", "bench-secret");
flags.set("aws_region", "us-east-1");
try {
  results.push(await measure("filesystem", (store) => new FilesystemLogger(logDir, store)));
  results.push(
    await measure(
      "kafka_producer",
      (store) => new KafkaLogger({ store, brokers: cluster.bootstraps, properties: { "log_level": "0" } }),
    ),
  );
  results.push(await measure("aws_kinesis", (store) => new KinesisLogger({ store, periodMs: 3_600_000 })));
  results.push(await measure("aws_firehose", (store) => new FirehoseLogger({ store, periodMs: 3_600_000 })));
  // What the peers received: every line once.
  // The mock cluster keeps only its newest messages: count Kafka's by the high watermark (offsets from 0,
  // idempotent producer: one offset per line) and check the newest ones it kept.
  const kept = await readTopic(cluster.bootstraps, "bench");
  const inKafka = kept.length && JSON.parse(kept.at(-1)!.payload).counter === ENTRIES - 1 ? await kafkaEnd() : -1;
  const inKinesis = (await readStream(kinesis.endpoint, "bench")).length;
  const want = ENTRIES * LINES;
  if (inKafka !== want || inKinesis !== want || firehose.records !== want) {
    throw new Error(
      `peers received kafka ${inKafka}, kinesis ${inKinesis}, firehose ${firehose.records}; want ${want}`,
    );
  }
} finally {
  await cluster.close();
  await kinesis.close();
  await firehose.close();
  Deno.removeSync(logDir, { recursive: true });
}

const fs = results[0].rate;
console.log(`${ENTRIES} entries x ${LINES} lines (${ENTRIES * LINES} lines of ~${line(0, 0).length} bytes) per logger`);
console.log("logger          lines/s   seconds   vs filesystem");
for (const r of results) {
  console.log(
    `${r.name.padEnd(14)} ${Math.round(r.rate).toString().padStart(8)} ${r.seconds.toFixed(2).padStart(9)}   ${
      (r.rate / fs).toFixed(2)
    }x`,
  );
}
