/**
 * A Kafka peer for tests, the crash check and the benchmark: librdkafka's mock cluster in this
 * process (real Kafka protocol brokers on loopback) and a reader of a topic's messages.
 *
 * @module
 */
import { KafkaConsumer, KafkaMockCluster, text } from "./kafka_ffi.ts";

export { KafkaMockCluster };

/** Every message of `topic` (all partitions, each in order) as key and payload text. */
export async function readTopic(
  bootstraps: string,
  topic: string,
  timeoutMs = 60_000,
): Promise<{ key: string; payload: string }[]> {
  const consumer = new KafkaConsumer({ "bootstrap.servers": bootstraps, "log_level": "0" });
  try {
    const n = await consumer.partitions(topic);
    const starts = Array.from({ length: n }, (_, partition) => ({ topic, partition, offset: 0n }));
    return (await consumer.readUpToEnd(starts, timeoutMs)).map((m) => ({ key: text(m.key), payload: text(m.payload) }));
  } finally {
    await consumer.close();
  }
}
