/**
 * osquery's `kafka_producer` logger: each result (and snapshot) line is one Kafka message, keyed
 * `<hostname>_osqueryd`, with the line as payload, published to the topic the config's
 * `kafka_topics` map gives the line's query (`{"topic": ["query", ...]}`) or else to
 * `--logger_kafka_topic`. A line whose query has no topic, with no base topic set, is dropped
 * with an error, as osquery does. As in osquery, status logs are not sent to Kafka.
 *
 * Exactly once across outages and `kill -9`: an outbox entry is retired only when librdkafka's
 * delivery reports say every message of it was acknowledged (`--logger_kafka_acks`); the
 * producer is idempotent (with acks=all), so within one process a retry never duplicates or
 * reorders. Before sending, an intent in the store records where in each target partition
 * this host's messages would start. When a send failed or the process died after sending and
 * before the entry was retired, the next attempt first reads those partitions back from the
 * recorded offsets and leaves out the lines (same topic, key and payload) that already arrived.
 *
 * @module
 */
import "./flags.ts";
import "../../core/tls_api/flags.ts";
import { flags } from "../../core/flags/flags.ts";
import type { Store } from "../../core/kv/store.ts";
import { onConfigSection } from "../../core/config/sections.ts";
import { type Delivery, errorText, KafkaConsumer, KafkaError, KafkaProducer, type KafkaStart } from "./kafka_ffi.ts";
import { type Logger, type LoggerContext, Severity, type StatusRecord } from "./logger.ts";

export { KafkaError };

/** Query name -> topic, from the config's `kafka_topics` (replaced at each config load). */
let queryTopics = new Map<string, string>();

/** Reads osquery's `kafka_topics` section: `{"topic": ["query name", ...]}`. */
export function parseKafkaTopics(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (value === undefined || value === null) return out;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new KafkaError(
      'kafka_topics must be an object of topic names to arrays of query names: {"topic": ["query"]}.',
    );
  }
  for (const [topic, names] of Object.entries(value as Record<string, unknown>)) {
    if (!Array.isArray(names)) {
      throw new KafkaError(`kafka_topics.${topic} must be an array of query names.`);
    }
    for (const name of names) {
      if (typeof name === "string" && name !== "") out.set(name, topic);
    }
  }
  return out;
}

onConfigSection("kafka_topics", (value) => {
  queryTopics = parseKafkaTopics(value);
});

/** Sets the query -> topic map directly (tests; the daemon gets it from the config). */
export function setKafkaTopics(map: Map<string, string>): void {
  queryTopics = map;
}

/** The `"name"` of a result line (snapshot, batch and event formats), or "" as osquery. */
export function queryNameOf(line: string): string {
  try {
    const doc = JSON.parse(line);
    return doc && typeof doc === "object" && typeof doc.name === "string" ? doc.name : "";
  } catch {
    return "";
  }
}

/** Options of the kafka logger; unset ones come from the flags. */
export interface KafkaLoggerOptions {
  store?: Store;
  context?: LoggerContext;
  brokers?: string;
  /** Extra librdkafka properties (tests, benchmarks). */
  properties?: Record<string, string>;
}

/** Where this host's messages for the lines being sent would start, per partition. */
interface KafkaIntent {
  seq: bigint;
  starts: KafkaStart[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** osquery's `kafka_producer` logger. */
export class KafkaLogger implements Logger {
  readonly name = "kafka_producer";
  readonly batchable = true;
  readonly #o: KafkaLoggerOptions;
  readonly #key: Uint8Array;
  #producer: KafkaProducer | undefined;
  #consumer: KafkaConsumer | undefined;
  /** Next offset after this process's last acknowledged message, per topic. */
  readonly #positions = new Map<string, { partition: number; offset: bigint }>();
  /** An attempt that may have partly arrived: read back before sending again. */
  #suspect: KafkaIntent | undefined;

  constructor(options: KafkaLoggerOptions = {}) {
    this.#o = options;
    this.#key = encoder.encode(`${Deno.hostname()}_osqueryd`);
    // Fail at start on settings librdkafka refuses (a typo'd acks or codec), as osquery does.
    this.#producer = new KafkaProducer(this.#properties(true));
  }

  #properties(producer: boolean): Record<string, string> {
    const brokers = this.#o.brokers ?? flags.string("logger_kafka_brokers");
    const p: Record<string, string> = { "bootstrap.servers": brokers, "client.id": Deno.hostname() };
    if (/ssl:\/\//i.test(brokers)) {
      p["security.protocol"] = "ssl";
      if (flags.string("tls_server_certs")) p["ssl.ca.location"] = flags.string("tls_server_certs");
      if (flags.string("tls_client_key")) p["ssl.key.location"] = flags.string("tls_client_key");
      if (flags.string("tls_client_cert")) p["ssl.certificate.location"] = flags.string("tls_client_cert");
    }
    if (flags.bool("verbose")) p.debug = "all";
    if (producer) {
      const acks = flags.string("logger_kafka_acks");
      p.acks = acks;
      p["compression.codec"] = flags.string("logger_kafka_compression");
      // Idempotence needs acks=all; it keeps librdkafka's own retries from duplicating or reordering.
      if (acks === "all" || acks === "-1") p["enable.idempotence"] = "true";
    }
    return { ...p, ...this.#o.properties };
  }

  #status(severity: number, message: string): void {
    (this.#o.context?.status ?? defaultStatus)(severity, message);
  }

  async recover(): Promise<void> {
    const store = this.#o.store;
    if (!store) return;
    const intent = await store.get<KafkaIntent>(["intent", this.name]);
    if (intent && !(await store.isShipped(this.name, intent.seq))) this.#suspect = intent;
  }

  async logLines(_category: "result" | "snapshot", lines: string[], seq: bigint): Promise<void> {
    const producer = this.#producer ??= new KafkaProducer(this.#properties(true));
    const base = flags.string("logger_kafka_topic");
    let messages: { topic: string; payload: Uint8Array }[] = [];
    for (const line of lines) {
      if (line === "") continue;
      const name = queryNameOf(line);
      const topic = queryTopics.get(name) ?? base;
      if (!topic) {
        this.#status(
          Severity.ERROR,
          `Could not publish message: Topic not configured for message name '${name}' ` +
            "(set --logger_kafka_topic or list the query under a topic in the config's kafka_topics).",
        );
        continue;
      }
      messages.push({ topic, payload: encoder.encode(line) });
    }
    if (this.#suspect) {
      messages = await this.#withoutDelivered(messages, this.#suspect);
      this.#suspect = undefined;
    }
    if (messages.length === 0) return;
    const intent: KafkaIntent = { seq, starts: await this.#starts(producer, new Set(messages.map((m) => m.topic))) };
    await this.#o.store?.set(["intent", this.name], intent);
    this.#suspect = intent;
    const reports: Delivery[] = await Promise.all(messages.map((m) => producer.produce(m.topic, this.#key, m.payload)));
    let failed = 0;
    let firstError = 0;
    reports.forEach((d, i) => {
      if (d.err !== 0) {
        failed++;
        firstError ||= d.err;
        return;
      }
      if (d.offset < 0n) return; // acks=0: no offset to remember
      const topic = messages[i].topic;
      const known = this.#positions.get(topic);
      if (!known || known.partition !== d.partition || known.offset <= d.offset) {
        this.#positions.set(topic, { partition: d.partition, offset: d.offset + 1n });
      }
    });
    if (failed > 0) {
      throw new KafkaError(
        `Kafka did not acknowledge ${failed} of ${messages.length} result lines (${errorText(firstError)}` +
          `${producer.lastError ? `; ${producer.lastError}` : ""}); they stay queued and are sent again.`,
        firstError,
      );
    }
    this.#suspect = undefined;
  }

  /** Per target topic: the partition and offset after this host's last message, or every partition's end. */
  async #starts(producer: KafkaProducer, topics: Set<string>): Promise<KafkaStart[]> {
    const starts: KafkaStart[] = [];
    for (const topic of topics) {
      const known = this.#positions.get(topic);
      if (known) {
        starts.push({ topic, partition: known.partition, offset: known.offset });
        continue;
      }
      const count = await producer.partitions(topic);
      for (let partition = 0; partition < count; partition++) {
        const { high } = await producer.watermarks(topic, partition);
        starts.push({ topic, partition, offset: high });
      }
    }
    return starts;
  }

  /** Drops from `messages` those that an interrupted attempt already got into Kafka. */
  async #withoutDelivered(
    messages: { topic: string; payload: Uint8Array }[],
    intent: KafkaIntent,
  ): Promise<{ topic: string; payload: Uint8Array }[]> {
    if (intent.starts.length === 0) return messages;
    const consumer = this.#consumer ??= new KafkaConsumer(this.#properties(false));
    const arrived = await consumer.readUpToEnd(intent.starts);
    const key = decoder.decode(this.#key);
    const counts = new Map<string, number>();
    for (const m of arrived) {
      if (decoder.decode(m.key) !== key) continue;
      const id = `${m.topic}\0${decoder.decode(m.payload)}`;
      counts.set(id, (counts.get(id) ?? 0) + 1);
      // What arrived tells where this host's next message goes.
      this.#positions.set(m.topic, { partition: m.partition, offset: m.offset + 1n });
    }
    if (counts.size === 0) return messages;
    let skipped = 0;
    const rest = messages.filter((m) => {
      const id = `${m.topic}\0${decoder.decode(m.payload)}`;
      const n = counts.get(id) ?? 0;
      if (n === 0) return true;
      counts.set(id, n - 1);
      skipped++;
      return false;
    });
    this.#status(Severity.INFO, `kafka_producer: ${skipped} result lines had already reached Kafka; not sent again`);
    return rest;
  }

  logStatus(_record: StatusRecord): void {
    // osquery's kafka_producer does not take status logs.
  }

  close(): void {
    const producer = this.#producer;
    const consumer = this.#consumer;
    this.#producer = undefined;
    this.#consumer = undefined;
    void producer?.close(3000).catch(() => {});
    void consumer?.close().catch(() => {});
  }

  /** Waits for queued messages (up to 3 s, as osquery's shutdown flush) and frees the handles. */
  async closeAsync(): Promise<void> {
    const producer = this.#producer;
    const consumer = this.#consumer;
    this.#producer = undefined;
    this.#consumer = undefined;
    await producer?.close(3000);
    await consumer?.close();
  }
}

function defaultStatus(severity: number, message: string): void {
  if (severity >= Severity.WARNING) console.error(`osq: ${message}`);
}
