/**
 * `user_ssh_keys`: private keys found in each scanned user's ~/.ssh: whether each is encrypted
 * and, for readable PEM keys, its type, curve, size and security strength.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { joinPath, listFiles, readText } from "../../core/host/files.ts";
import { usersInNamespaces } from "../../core/host/per_user.ts";
import { privateKeyInfo } from "./_sshkey.ts";

export default registerTable(defineTable({
  name: "user_ssh_keys",
  description: "Private SSH keys in users' ~/.ssh directories, with encryption state, type and strength.",
  columns: [
    {
      name: "uid",
      type: "BIGINT",
      additional: true,
      optimized: true,
      description: "The user whose ~/.ssh holds the key.",
    },
    { name: "path", type: "TEXT", index: true, description: "The private key file." },
    { name: "encrypted", type: "INTEGER", description: "1 when the key is protected by a passphrase, else 0." },
    {
      name: "key_type",
      type: "TEXT",
      description: "rsa, dsa, dh, ec, hmac or cmac; empty for other or unreadable keys.",
    },
    { name: "key_group_name", type: "TEXT", description: "The curve or group of the key, where it has one." },
    { name: "key_length", type: "INTEGER", description: "The key's size in bits (-1: unknown)." },
    {
      name: "key_security_bits",
      type: "INTEGER",
      description: "The key's strength in bits of security, per NIST (-1: unknown).",
    },
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
      const dir = joinPath(user.directory, ".ssh");
      for (const real of listFiles(view.host.path(dir))) {
        const text = readText(real);
        if (text === undefined) continue;
        const info = privateKeyInfo(text);
        if (!info) continue;
        rows.push({
          uid: user.uid,
          path: joinPath(dir, real.slice(real.lastIndexOf("/") + 1)),
          encrypted: info.encrypted ? 1 : 0,
          key_type: info.keyType,
          key_group_name: info.keyGroupName,
          key_length: info.keyLength,
          key_security_bits: info.keySecurityBits,
          pid_with_namespace: view.pid,
        });
      }
    }
    return rows;
  },
}));
