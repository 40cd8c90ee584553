/**
 * The one way a test gives tables their data: an engine serving only the given tables, reading
 * from `host` (a fixture tree via {@linkcode fixtureHost}, or this machine by default).
 *
 * ```ts
 * import users from "../tables/users/users.ts";
 * const engine = tableEngine([users], fixtureHost(fixture("root"), { uid: 1000 }));
 * engine.query("select username from users");
 * ```
 *
 * @module
 */
import { Engine } from "../core/engine.ts";
import { Registry } from "../core/registry.ts";
import type { TableSpec } from "../core/table.ts";
import { fixtureHost, type Host } from "../core/host/host.ts";

export { fixtureHost };

/** An engine over a private registry holding `tables`, reading from `host`. */
export function tableEngine(tables: readonly TableSpec[], host?: Host): Engine {
  const registry = new Registry();
  for (const table of tables) registry.addTable(table);
  return new Engine({ registry, host });
}

/** Absolute path of `parts` under the repository's testdata/ folder. */
export function testdata(...parts: string[]): string {
  return new URL(["../testdata", ...parts].join("/"), import.meta.url).pathname;
}
