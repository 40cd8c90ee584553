/**
 * Test helpers for the software tables: an engine over a private registry, and fixture paths.
 *
 * @module
 */
import { Engine } from "../../core/engine.ts";
import { Registry } from "../../core/registry.ts";
import type { TableSpec } from "../../core/table.ts";
import type { PasswdEntry, UserSource } from "./_lib.ts";

/** Absolute path of a file under testdata/software/. */
export function fixture(...parts: string[]): string {
  return new URL(["../../testdata/software", ...parts].join("/"), import.meta.url).pathname;
}

/** An engine serving only the given tables. */
export function engineWith(...tables: TableSpec[]): Engine {
  const registry = new Registry();
  for (const t of tables) registry.addTable(t);
  return new Engine({ registry });
}

/** A user source over fixture users; `current` is the uid osq pretends to run as. */
export function fixtureUsers(users: PasswdEntry[], current = users[0]?.uid ?? 0): UserSource {
  return { users: () => users, currentUid: () => current };
}

/**
 * A minimal `users` table over fixture users, so tests can check osquery's join idiom
 * (`users CROSS JOIN t USING (uid)`) without the users area.
 */
export function fixtureUsersTable(users: PasswdEntry[]): TableSpec {
  return {
    name: "users",
    description: "Fixture users for software-table tests.",
    columns: [
      { name: "uid", type: "BIGINT", index: true },
      { name: "username", type: "TEXT" },
      { name: "directory", type: "TEXT" },
    ],
    generate: () => users.map((u) => ({ uid: u.uid, username: u.username, directory: u.directory })),
  };
}
