/**
 * Test helpers for the network tables: an engine over a private registry, and fixture paths.
 *
 * @module
 */
import { Engine } from "../../core/engine.ts";
import { Registry } from "../../core/registry.ts";
import type { TableSpec } from "../../core/table.ts";

/** Absolute path of a file under testdata/network/. */
export function fixture(...parts: string[]): string {
  return new URL(["../../testdata/network", ...parts].join("/"), import.meta.url).pathname;
}

/** An engine serving only the given tables. */
export function engineWith(...tables: TableSpec[]): Engine {
  const registry = new Registry();
  for (const t of tables) registry.addTable(t);
  return new Engine({ registry });
}
