/**
 * Peers for the pipeline loggers in the crash check and the benchmark: which daemon flags point
 * a logger at a peer running in this process, and how to read back what the peer received.
 *
 * @module
 */
import { KafkaMockCluster, readTopic } from "./kafka_peer.ts";
import { readStream, startKinesis } from "./kinesis_peer.ts";

/** A peer ready for a daemon: its flags, a reader of the result lines it received, and a stop. */
export interface PipelinePeer {
  sink: {
    args: string[];
    lines(logDir: string): Promise<Record<string, unknown>[]>;
  };
  close(): Promise<void>;
}

/** The names {@linkcode pipelineSink} knows. */
export const PEER_LOGGERS = ["kafka_producer", "aws_kinesis"] as const;

/** Starts the peer of `logger` (kafka_producer: librdkafka's mock cluster; aws_kinesis: kinesalite). */
export async function pipelineSink(logger: string): Promise<PipelinePeer> {
  if (logger === "kafka_producer") {
    const cluster = new KafkaMockCluster(1);
    cluster.createTopic("osq_results", 2);
    return {
      sink: {
        args: [
          "--disable_watchdog",
          "--logger_plugin=kafka_producer",
          `--logger_kafka_brokers=${cluster.bootstraps}`,
          "--logger_kafka_topic=osq_results",
        ],
        lines: async () => (await readTopic(cluster.bootstraps, "osq_results")).map((m) => JSON.parse(m.payload)),
      },
      close: () => cluster.close(),
    };
  }
  if (logger === "aws_kinesis") {
    const peer = await startKinesis("osq", 2);
    return {
      sink: {
        args: [
          "--disable_watchdog",
          "--logger_plugin=aws_kinesis",
          "--aws_kinesis_stream=osq",
          `--aws_kinesis_endpoint=${peer.endpoint}`,
          "--aws_access_key_id=AKIDTEST",
          "--aws_secret_access_key=secret",
          "--aws_region=us-east-1",
        ],
        lines: async () => (await readStream(peer.endpoint, "osq")).map((r) => JSON.parse(r.text)),
      },
      close: () => peer.close(),
    };
  }
  throw new Error(`No crash-check peer for logger '${logger}': use one of ${PEER_LOGGERS.join(", ")}.`);
}
