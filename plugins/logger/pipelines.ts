/**
 * The loggers that ship to a fleet's pipelines — kafka_producer, aws_kinesis, aws_firehose —
 * registered with the logger registry. The daemon imports this module once; their libraries
 * (librdkafka, the AWS signer) load only when such a logger is made.
 *
 * @module
 */
import { registerLogger } from "./logger.ts";
import { KafkaLogger } from "./kafka.ts";
import { KinesisLogger } from "./kinesis.ts";
import { FirehoseLogger } from "./firehose.ts";

registerLogger("kafka_producer", (store, context) => new KafkaLogger({ store, context }));
registerLogger("aws_kinesis", (store, context) => new KinesisLogger({ store, context }));
registerLogger("aws_firehose", (store, context) => new FirehoseLogger({ store, context }));
