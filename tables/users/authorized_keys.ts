/**
 * `authorized_keys`: the keys in each scanned user's ~/.ssh/authorized_keys and authorized_keys2,
 * one row per key line, split into options, algorithm, base64 key and comment.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { exists, joinPath, readText } from "../../core/host/files.ts";
import { usersInNamespaces } from "../../core/host/per_user.ts";
import { splitTrim } from "../../core/host/text.ts";

export default registerTable(defineTable({
  name: "authorized_keys",
  description: "Public keys allowed to log in as each user, from ~/.ssh/authorized_keys and authorized_keys2.",
  columns: [
    { name: "uid", type: "BIGINT", additional: true, description: "The user whose home holds the key file." },
    { name: "algorithm", type: "TEXT", description: "The key type, e.g. ssh-ed25519." },
    { name: "key", type: "TEXT", description: "The public key, base64 as written." },
    { name: "options", type: "TEXT", description: "The login options written before the key, if any." },
    { name: "comment", type: "TEXT", description: "The text after the key, if any." },
    { name: "key_file", type: "TEXT", description: "The authorized_keys file the line comes from." },
    {
      name: "pid_with_namespace",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Read the users and files of this process's mount namespace (0: the host's).",
    },
  ],
  attributes: { user_data: true, no_pkey: true },
  generate(ctx) {
    const rows: Row[] = [];
    for (const { user, view } of usersInNamespaces(ctx)) {
      for (const name of KEY_FILES) {
        const keyFile = joinPath(user.directory, name);
        const real = view.host.path(keyFile);
        if (!exists(real)) continue;
        const text = readText(real);
        // As osquery: an unreadable key file ends this user's scan.
        if (text === undefined) break;
        rows.push(...authorizedKeyRows(text, user.uid, keyFile, view.pid));
      }
    }
    return rows;
  },
}));

const KEY_FILES = [".ssh/authorized_keys", ".ssh/authorized_keys2"];
/** The key types osquery recognises, in the order it looks for them. */
const KEY_TYPES = [
  "ssh-rsa",
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ecdsa-sha2-nistp256@openssh.com",
  "sk-ssh-ed25519@openssh.com",
];
const KEY_RING_LABEL = "zos-key-ring-label=";

function isBlank(c: string | undefined): boolean {
  return c === " " || c === "\t";
}

function skipBlanks(line: string, from: number): number {
  let i = from;
  while (i < line.length && isBlank(line[i])) i++;
  return i;
}

function skipToBlank(line: string, from: number): number {
  let i = from;
  while (i < line.length && !isBlank(line[i])) i++;
  return i;
}

/** The parts of one authorized_keys line, or undefined when osquery would report no row for it. */
export function parseAuthorizedKeyLine(
  line: string,
): { algorithm?: string; key?: string; options?: string; comment?: string } | undefined {
  for (const type of KEY_TYPES) {
    const at = line.indexOf(type);
    if (at < 0) continue;
    // The type must be followed by a blank to count (so ssh-rsa does not match ssh-rsa-cert...).
    if (!isBlank(line[at + type.length])) continue;
    const out: { algorithm?: string; key?: string; options?: string; comment?: string } = { algorithm: type };
    if (at > 0) out.options = line.slice(0, at).replace(/[ \t]+$/, "");
    const keyStart = skipBlanks(line, at + type.length);
    if (keyStart >= line.length) return undefined;
    const keyEnd = skipToBlank(line, keyStart);
    out.key = line.slice(keyStart, keyEnd);
    if (keyEnd < line.length) out.comment = line.slice(skipBlanks(line, keyEnd));
    return out;
  }
  // Lines naming a z/OS key ring instead of a key carry only their options.
  if (line.split(",").some((o) => o.startsWith(KEY_RING_LABEL))) return { options: line };
  return undefined;
}

/** The rows for one authorized_keys file's text. */
export function authorizedKeyRows(text: string, uid: number, keyFile: string, pid = 0): Row[] {
  const rows: Row[] = [];
  for (const line of splitTrim(text, "\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const parts = parseAuthorizedKeyLine(line);
    if (parts) rows.push({ uid, ...parts, key_file: keyFile, pid_with_namespace: pid });
  }
  return rows;
}
