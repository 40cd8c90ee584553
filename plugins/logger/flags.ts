/**
 * Logger flags, with osquery's names and defaults.
 *
 * @module
 */
import { defineFlag } from "../../core/flags/flags.ts";

defineFlag({
  name: "logger_plugin",
  type: "string",
  default: "filesystem",
  description:
    "Comma-separated loggers for results and status: filesystem, stdout, syslog, tls, kafka_producer, aws_kinesis, aws_firehose.",
});
defineFlag({
  name: "logger_path",
  type: "string",
  default: "/var/log/osquery/",
  description: "Directory for osqueryd.results.log, osqueryd.snapshots.log and the status logs.",
  aliases: ["osquery_log_dir"],
});
defineFlag({
  name: "logger_mode",
  type: "string",
  default: "0640",
  description: "Octal file mode of the log files.",
  cliOnly: true,
});
defineFlag({ name: "logger_rotate", type: "bool", default: false, description: "Rotate the result logs by size." });
defineFlag({
  name: "logger_rotate_size",
  type: "uint64",
  default: 26214400,
  description: "Rotate a result log once it reaches this many bytes.",
});
defineFlag({
  name: "logger_rotate_max_files",
  type: "uint64",
  default: 25,
  description: "Rotated files to keep (.1, then .2.zst, .3.zst, ...).",
});
defineFlag({
  name: "logger_stderr",
  type: "bool",
  default: true,
  description: "Also write status logs to stderr.",
});
defineFlag({
  name: "logger_min_status",
  type: "int32",
  default: 0,
  description: "Lowest status severity logged (0 INFO, 1 WARNING, 2 ERROR).",
});
defineFlag({
  name: "logger_min_stderr",
  type: "int32",
  default: 0,
  description: "Lowest status severity copied to stderr.",
});
defineFlag({ name: "verbose", type: "bool", default: false, description: "Verbose status logs." });
defineFlag({
  name: "disable_logging",
  type: "bool",
  default: false,
  description: "Do not log results or status.",
});
defineFlag({
  name: "logger_syslog_facility",
  type: "int32",
  default: 19,
  description: "syslog facility number for the syslog logger (19 = LOCAL3).",
});
defineFlag({
  name: "logger_syslog_prepend_cee",
  type: "bool",
  default: false,
  description: "Prefix syslog messages with @cee:.",
});

// kafka_producer (osquery's names and defaults).
defineFlag({
  name: "logger_kafka_brokers",
  type: "string",
  default: "localhost",
  description: "Bootstrap broker(s) as a comma-separated list of host or host:port (default port 9092)",
});
defineFlag({
  name: "logger_kafka_topic",
  type: "string",
  default: "",
  description: "Kafka topic to publish logs under",
});
defineFlag({
  name: "logger_kafka_acks",
  type: "string",
  default: "all",
  description: "The number of acknowledgments the leader has to receive (0, 1, 'all')",
});
defineFlag({
  name: "logger_kafka_compression",
  type: "string",
  default: "none",
  description: "Compression codec to use for compressing message sets ('none' or 'gzip')",
});

// aws_kinesis and aws_firehose (osquery's names and defaults; credentials and proxy in core/aws/flags.ts).
defineFlag({
  name: "aws_kinesis_period",
  type: "uint64",
  default: 10,
  description: "Seconds between flushing logs to Kinesis (default 10)",
});
defineFlag({
  name: "aws_kinesis_stream",
  type: "string",
  default: "",
  description: "Name of Kinesis stream for logging",
});
defineFlag({
  name: "aws_kinesis_random_partition_key",
  type: "bool",
  default: false,
  description: "Enable random kinesis partition keys",
});
defineFlag({
  name: "aws_kinesis_disable_log_status",
  type: "bool",
  default: false,
  description: "Disable status logs processing",
});
defineFlag({ name: "aws_kinesis_endpoint", type: "string", default: "", description: "Custom Kinesis endpoint" });
defineFlag({
  name: "aws_kinesis_region",
  type: "string",
  default: "",
  description: "Region to use for Kinesis instead of the default. This takes precedence over the aws_region flag",
});
defineFlag({
  name: "aws_firehose_period",
  type: "uint64",
  default: 10,
  description: "Seconds between flushing logs to Firehose (default 10)",
});
defineFlag({
  name: "aws_firehose_stream",
  type: "string",
  default: "",
  description: "Name of Firehose stream for logging",
});
defineFlag({ name: "aws_firehose_endpoint", type: "string", default: "", description: "Custom Firehose endpoint" });
defineFlag({
  name: "aws_firehose_region",
  type: "string",
  default: "",
  description: "Region to use for Firehose instead of the default. This takes precedence over the aws_region flag",
});
