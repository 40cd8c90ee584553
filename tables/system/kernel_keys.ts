/**
 * `kernel_keys`: the kernel keyring entries visible to this process, from /proc/keys.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readText } from "./_lib.ts";

export default registerTable(defineTable({
  name: "kernel_keys",
  description: "Keys and keyrings in the kernel's key retention service visible to this process.",
  columns: [
    { name: "serial_number", type: "TEXT", description: "The key's serial number, in hex." },
    {
      name: "flags",
      type: "TEXT",
      description: "State flags, one letter each (I instantiated, R revoked, D dead, ...).",
    },
    { name: "usage", type: "BIGINT", description: "How many threads and open files refer to the key." },
    { name: "timeout", type: "TEXT", description: "Time left before the key expires, perm (never) or expd (expired)." },
    {
      name: "permissions",
      type: "TEXT",
      description: "Possessor, user, group and other rights, four hex bytes from left to right.",
    },
    { name: "uid", type: "BIGINT", description: "The uid of the key's owner." },
    { name: "gid", type: "BIGINT", description: "The key's group id." },
    { name: "type", type: "TEXT", description: "The key type, e.g. keyring, user, asymmetric." },
    { name: "description", type: "TEXT", description: "The key's description (name and summary)." },
  ],
  generate(ctx) {
    return parseKeys(readText(ctx.host.path("/proc/keys")) ?? "");
  },
}));

const KEY_LINE = /^([0-9a-f]+) (\S+)\s+(\d+)\s+(\S+)\s+([0-9a-f]+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/;

/**
 * Parses /proc/keys. A description of two words (the usual "name: summary") reads as osquery's
 * parser joins them, without the space: ".dns_resolver:empty". osquery skips a key whose
 * description has any other number of words (e.g. an asymmetric key's "Debian CA: X509.rsa 1a2b
 * []"); osq keeps it with the rest of the line verbatim. Lines without the kernel's layout are
 * skipped.
 */
export function parseKeys(text: string): Row[] {
  const rows: Row[] = [];
  for (const line of text.split("\n")) {
    const m = KEY_LINE.exec(line.trim());
    if (!m) continue;
    const words = m[9].split(" ").filter((w) => w !== "");
    rows.push({
      serial_number: m[1],
      flags: m[2],
      usage: m[3],
      timeout: m[4],
      permissions: m[5],
      uid: m[6],
      gid: m[7],
      type: m[8],
      description: words.length === 2 ? words[0].trim() + words[1].trim() : m[9].trim(),
    });
  }
  return rows;
}
