/**
 * `shadow`: password ageing and status from /etc/shadow (root only). The password hash itself is
 * never reported, only whether one is set and its algorithm id.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec, withOsqueryTextDefaults } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readShadow, type ShadowEntry } from "../../core/host/accounts.ts";
import { hostEnv, type UsersEnv } from "./_lib.ts";

/** osquery's reading of a shadow password field: status word and `$id$` algorithm. */
export function passwordStatus(password: string): { status: string; hashAlg: string | null } {
  let status: string;
  if (password === "!!") status = "not_set";
  else if (password.startsWith("!") || password.startsWith("*") || password.startsWith("x")) status = "locked";
  else if (password === "") status = "empty";
  else status = "active";
  const alg = /^\$(\w+)\$/.exec(password);
  return { status, hashAlg: alg ? alg[1] : null };
}

/** A `shadow` row for one entry. */
export function shadowRow(e: ShadowEntry): Row {
  const { status, hashAlg } = passwordStatus(e.password);
  return {
    password_status: status,
    hash_alg: hashAlg,
    last_change: e.lastChange,
    min: e.min,
    max: e.max,
    warning: e.warning,
    inactive: e.inactive,
    expire: e.expire,
    flag: e.flag,
    username: e.username,
  };
}

/** The `shadow` table reading /etc/shadow under `env`. */
export function shadowTable(env: UsersEnv = hostEnv): TableSpec {
  return withOsqueryTextDefaults(defineTable({
    name: "shadow",
    description: "Local password state from /etc/shadow: status, hash algorithm and ageing fields (no hashes).",
    columns: [
      { name: "password_status", type: "TEXT" },
      { name: "hash_alg", type: "TEXT" },
      { name: "last_change", type: "BIGINT" },
      { name: "min", type: "BIGINT" },
      { name: "max", type: "BIGINT" },
      { name: "warning", type: "BIGINT" },
      { name: "inactive", type: "BIGINT" },
      { name: "expire", type: "BIGINT" },
      { name: "flag", type: "BIGINT" },
      { name: "username", type: "TEXT", index: true, optimized: true },
    ],
    generate(ctx) {
      const entries = readShadow(env.root);
      const names = ctx.equals("username");
      if (names.length === 0) return entries.map(shadowRow);
      // As getspnam: the first entry of each name asked for.
      const rows: Row[] = [];
      for (const name of names) {
        const e = entries.find((x) => x.username === name);
        if (e) rows.push(shadowRow(e));
      }
      return rows;
    },
  }));
}

export default registerTable(shadowTable());
