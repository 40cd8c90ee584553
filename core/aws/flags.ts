/**
 * osquery's AWS flags (osquery/utils/aws), shared by the aws_kinesis and aws_firehose loggers
 * and the ec2 tables: credentials, region, STS assume-role and the HTTP proxy.
 *
 * @module
 */
import { defineFlag } from "../flags/flags.ts";

defineFlag({ name: "aws_access_key_id", type: "string", default: "", description: "AWS access key ID" });
defineFlag({ name: "aws_secret_access_key", type: "string", default: "", description: "AWS secret access key" });
defineFlag({ name: "aws_session_token", type: "string", default: "", description: "AWS STS session token" });
defineFlag({
  name: "aws_profile_name",
  type: "string",
  default: "",
  description: "AWS profile for authentication and region configuration",
});
defineFlag({ name: "aws_region", type: "string", default: "", description: "Default AWS region for all services" });
defineFlag({ name: "aws_sts_arn_role", type: "string", default: "", description: "AWS STS ARN role" });
defineFlag({ name: "aws_sts_region", type: "string", default: "", description: "AWS STS region" });
defineFlag({ name: "aws_sts_session_name", type: "string", default: "default", description: "AWS STS session name" });
defineFlag({
  name: "aws_sts_timeout",
  type: "uint64",
  default: 3600,
  description: "AWS STS assume role credential validity in seconds (default 3600)",
});
defineFlag({
  name: "aws_enable_proxy",
  type: "bool",
  default: false,
  description: "Enable proxying of HTTP/HTTPS requests in AWS client config",
});
defineFlag({
  name: "aws_proxy_scheme",
  type: "string",
  default: "https",
  description: "Proxy HTTP scheme for use in AWS client config (http or https, default https)",
});
defineFlag({
  name: "aws_proxy_host",
  type: "string",
  default: "",
  description: "Proxy host for use in AWS client config",
});
defineFlag({
  name: "aws_proxy_port",
  type: "uint32",
  default: 0,
  description: "Proxy port for use in AWS client config",
});
defineFlag({
  name: "aws_proxy_username",
  type: "string",
  default: "",
  description: "Proxy username for use in AWS client config",
});
defineFlag({
  name: "aws_proxy_password",
  type: "string",
  default: "",
  description: "Proxy password for use in AWS client config",
});
defineFlag({
  name: "instance_metadata_authority",
  type: "string",
  default: "169.254.169.254",
  description: "host[:port] of the cloud instance metadata service (for testing)",
  hidden: true,
});
defineFlag({
  name: "aws_sts_endpoint",
  type: "string",
  default: "",
  description:
    "Base URL of STS instead of https://sts.<region>.amazonaws.com (osq; for STS-compatible services and tests)",
  hidden: true,
});
