/**
 * Test helpers for the users tables: an engine over a private registry, fixture paths, and a
 * fixture environment.
 *
 * @module
 */
import { Engine } from "../../core/engine.ts";
import { Registry } from "../../core/registry.ts";
import type { TableSpec } from "../../core/table.ts";
import type { UsersEnv } from "./_lib.ts";

/** Absolute path of a file under testdata/users/. */
export function fixture(...parts: string[]): string {
  return new URL(["../../testdata/users", ...parts].join("/"), import.meta.url).pathname;
}

/** The fixture root (testdata/users/root), running as `uid`. */
export function fixtureEnv(uid = 0, root = fixture("root")): UsersEnv {
  return { root, currentUid: () => uid };
}

/** An engine serving only the given tables. */
export function engineWith(...tables: TableSpec[]): Engine {
  const registry = new Registry();
  for (const t of tables) registry.addTable(t);
  return new Engine({ registry });
}
