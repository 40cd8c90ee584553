/**
 * Flags of osquery's remote (TLS) API: the server, its certificates, enrollment, and the tls
 * config, logger and distributed plugins. Names, types and defaults are osquery's; the carver's
 * endpoints live in core/carver/flags.ts.
 *
 * @module
 */
import { defineFlag } from "../flags/flags.ts";

// The server and the TLS session.
defineFlag({
  name: "tls_hostname",
  type: "string",
  default: "",
  description: "Host (and optional :port) of the TLS/HTTPS server for enrollment, config, logs and queries.",
  cliOnly: true,
});
defineFlag({
  name: "tls_server_certs",
  type: "string",
  default: "",
  description: "PEM bundle of CA certificates the TLS server's certificate must chain to (empty: system roots).",
  cliOnly: true,
});
defineFlag({
  name: "tls_client_cert",
  type: "string",
  default: "",
  description: "PEM client certificate presented to the TLS server (with --tls_client_key).",
  cliOnly: true,
});
defineFlag({
  name: "tls_client_key",
  type: "string",
  default: "",
  description: "PEM private key of --tls_client_cert.",
  cliOnly: true,
});
defineFlag({
  name: "proxy_hostname",
  type: "string",
  default: "",
  description: "HTTP proxy (host:port) the TLS requests tunnel through with CONNECT.",
  cliOnly: true,
});
defineFlag({
  name: "tls_secret_always",
  type: "bool",
  default: false,
  description: "Also send the enroll secret as a URL parameter on every request.",
  hidden: true,
});
defineFlag({
  name: "tls_enroll_override",
  type: "string",
  default: "enroll_secret",
  description: "Name of the enroll secret's JSON key (and URL parameter with --tls_secret_always).",
  hidden: true,
});
defineFlag({
  name: "tls_dump",
  type: "bool",
  default: false,
  description: "With --verbose, print remote request and response bodies to stderr.",
  hidden: true,
});

// Enrollment.
defineFlag({
  name: "enroll_tls_endpoint",
  type: "string",
  default: "",
  description: "Path of the enrollment endpoint on --tls_hostname.",
  cliOnly: true,
});
defineFlag({
  name: "enroll_secret_path",
  type: "string",
  default: "",
  description: "File holding the enroll secret (surrounding whitespace is trimmed).",
  cliOnly: true,
});
defineFlag({
  name: "enroll_secret_env",
  type: "string",
  default: "",
  description: "Environment variable holding the enroll secret (used when --enroll_secret_path is empty).",
  cliOnly: true,
});
defineFlag({
  name: "enroll_always",
  type: "bool",
  default: false,
  description: "Enroll anew at every start instead of reusing the stored node key.",
  cliOnly: true,
});
defineFlag({
  name: "disable_enrollment",
  type: "bool",
  default: false,
  description: "Never enroll: remote requests go without a node key.",
  cliOnly: true,
});
defineFlag({
  name: "disable_reenrollment",
  type: "bool",
  default: false,
  description: "Keep the node key when the server says it is invalid (no re-enrollment).",
  cliOnly: true,
});
defineFlag({
  name: "tls_enroll_max_attempts",
  type: "uint64",
  default: 12,
  description: "Enrollment attempts before giving up (0 = keep trying).",
  cliOnly: true,
});
defineFlag({
  name: "tls_enroll_max_interval",
  type: "uint64",
  default: 600,
  description: "Longest wait in seconds between enrollment attempts.",
  cliOnly: true,
});

// The tls config plugin.
defineFlag({
  name: "config_tls_endpoint",
  type: "string",
  default: "",
  description: "Path of the config endpoint on --tls_hostname.",
  cliOnly: true,
});
defineFlag({
  name: "config_tls_max_attempts",
  type: "uint64",
  default: 3,
  description: "Attempts to fetch the config before the fetch fails.",
  cliOnly: true,
});

// The tls logger plugin.
defineFlag({
  name: "logger_tls_endpoint",
  type: "string",
  default: "",
  description: "Path of the logger endpoint on --tls_hostname.",
});
defineFlag({
  name: "logger_tls_period",
  type: "uint64",
  default: 4,
  description: "Seconds between sends of buffered status logs to the TLS server.",
});
defineFlag({
  name: "logger_tls_max_lines",
  type: "uint64",
  default: 1024,
  description: "Most log lines in one request to the TLS server.",
});
defineFlag({
  name: "logger_tls_max_linesize",
  type: "uint64",
  default: 1048576,
  description: "Longest log line in bytes sent to the TLS server; longer lines are dropped with a warning.",
  aliases: ["logger_tls_max"],
});
defineFlag({
  name: "logger_tls_compress",
  type: "bool",
  default: false,
  description: "gzip the logger request bodies (Content-Encoding: gzip).",
});
defineFlag({
  name: "logger_tls_backoff_max",
  type: "uint64",
  default: 3600,
  description: "Longest wait in seconds between status log sends while the server fails (0 = no back-off).",
});
defineFlag({
  name: "tls_disable_status_log",
  type: "bool",
  default: false,
  description: "Do not send status logs to the TLS server.",
});
defineFlag({
  name: "buffered_log_max",
  type: "uint64",
  default: 1000000,
  description: "Most status logs kept while the TLS server is unreachable; the oldest go first (0 = no limit).",
});

// The tls distributed plugin.
defineFlag({
  name: "disable_distributed",
  type: "bool",
  default: true,
  description: "Disable distributed (live) queries.",
});
defineFlag({
  name: "distributed_plugin",
  type: "string",
  default: "tls",
  description: "Distributed query plugin (osq has tls).",
});
defineFlag({
  name: "distributed_interval",
  type: "uint64",
  default: 60,
  description: "Seconds between checks for distributed queries.",
});
defineFlag({
  name: "distributed_tls_read_endpoint",
  type: "string",
  default: "",
  description: "Path of the endpoint distributed queries are read from.",
});
defineFlag({
  name: "distributed_tls_write_endpoint",
  type: "string",
  default: "",
  description: "Path of the endpoint distributed query results are written to.",
});
defineFlag({
  name: "distributed_tls_max_attempts",
  type: "uint64",
  default: 3,
  description: "Attempts of each distributed read or write request.",
});
defineFlag({
  name: "distributed_loginfo",
  type: "bool",
  default: false,
  description: "Log each distributed query run at INFO level.",
});
defineFlag({
  name: "distributed_denylist_duration",
  type: "uint64",
  default: 86400,
  description: "Seconds a distributed query that was running when the daemon died is refused.",
});
