/**
 * `user_ssh_keys`: private keys found in each scanned user's ~/.ssh: whether each is encrypted
 * and, for readable PEM keys, its type, curve, size and security strength.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec, withOsqueryTextDefaults } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { joinPath, listFiles, readText, underRoot } from "../../core/host/files.ts";
import { hostEnv, type UsersEnv, usersInTargets } from "./_lib.ts";
import { privateKeyInfo } from "./_sshkey.ts";

/** The `user_ssh_keys` table for users under `env`. */
export function userSshKeysTable(env: UsersEnv = hostEnv): TableSpec {
  return withOsqueryTextDefaults(defineTable({
    name: "user_ssh_keys",
    description: "Private SSH keys in users' ~/.ssh directories, with encryption state, type and strength.",
    columns: [
      { name: "uid", type: "BIGINT", additional: true, optimized: true },
      { name: "path", type: "TEXT", index: true },
      { name: "encrypted", type: "INTEGER" },
      { name: "key_type", type: "TEXT" },
      { name: "key_group_name", type: "TEXT" },
      { name: "key_length", type: "INTEGER" },
      { name: "key_security_bits", type: "INTEGER" },
      { name: "pid_with_namespace", type: "INTEGER", additional: true, hidden: true, linuxHidden: true },
    ],
    attributes: { user_data: true, no_pkey: true },
    generate(ctx) {
      const rows: Row[] = [];
      for (const { user, target } of usersInTargets(ctx, env)) {
        const dir = joinPath(user.directory, ".ssh");
        const realDir = underRoot(target.root, dir);
        for (const real of listFiles(realDir)) {
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
            pid_with_namespace: target.pid,
          });
        }
      }
      return rows;
    },
  }));
}

export default registerTable(userSshKeysTable());
