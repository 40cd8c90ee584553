/**
 * The file carver's flags, with osquery's names and defaults. Carving is off unless
 * `--disable_carver=false`; uploads go to the TLS server's carver endpoints.
 *
 * @module
 */
import { defineFlag } from "../flags/flags.ts";

defineFlag({
  name: "disable_carver",
  type: "bool",
  default: true,
  description: "Disable the file carver (carves table requests and uploads).",
  cliOnly: true,
});
defineFlag({
  name: "carver_disable_function",
  type: "bool",
  default: true,
  description: "Disable the carve() SQL function.",
  cliOnly: true,
});
defineFlag({
  name: "carver_start_endpoint",
  type: "string",
  default: "",
  description: "TLS endpoint that opens a carve upload session.",
  cliOnly: true,
});
defineFlag({
  name: "carver_continue_endpoint",
  type: "string",
  default: "",
  description: "TLS endpoint that receives the blocks of a carve.",
  cliOnly: true,
});
defineFlag({
  name: "carver_block_size",
  type: "uint32",
  default: 8192,
  description: "Bytes per uploaded carve block.",
  cliOnly: true,
});
defineFlag({
  name: "carver_compression",
  type: "bool",
  default: false,
  description: "Compress carve archives with zstd before upload.",
  cliOnly: true,
});
defineFlag({
  name: "carver_expiry",
  type: "uint32",
  default: 86400,
  description: "Seconds a successful carve stays listed in the carves table.",
  cliOnly: true,
});
