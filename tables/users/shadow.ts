/**
 * `shadow`: password ageing and status from /etc/shadow (root only). The password hash itself is
 * never reported, only whether one is set and its algorithm id.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { readShadow, type ShadowEntry } from "../../core/host/accounts.ts";

export default registerTable(defineTable({
  name: "shadow",
  description: "Local password state from /etc/shadow: status, hash algorithm and ageing fields (no hashes).",
  columns: [
    {
      name: "password_status",
      type: "TEXT",
      description: "active, empty, locked or not_set, read from the password field.",
    },
    { name: "hash_alg", type: "TEXT", description: "The crypt algorithm id of the hash ($id$), e.g. 6 or y." },
    { name: "last_change", type: "BIGINT", description: "Day of the last password change, in days since 1970." },
    { name: "min", type: "BIGINT", description: "Days that must pass between password changes (-1: unset)." },
    { name: "max", type: "BIGINT", description: "Days after which the password must be changed (-1: unset)." },
    { name: "warning", type: "BIGINT", description: "Days of warning before the password expires (-1: unset)." },
    { name: "inactive", type: "BIGINT", description: "Days after expiry until the account is locked (-1: unset)." },
    { name: "expire", type: "BIGINT", description: "Day the account expires, in days since 1970 (-1: never)." },
    { name: "flag", type: "BIGINT", description: "The reserved last field (-1 when empty)." },
    { name: "username", type: "TEXT", index: true, optimized: true, description: "The account's login name." },
  ],
  generate(ctx) {
    const entries = readShadow(ctx.host.root);
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
