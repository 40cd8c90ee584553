/**
 * Test helpers for the content tables.
 *
 * @module
 */
import { Engine } from "../../core/engine.ts";
import { Registry } from "../../core/registry.ts";
import type { TableSpec } from "../../core/table.ts";

/** Absolute path of a file under testdata/content/. */
export function fixture(...parts: string[]): string {
  return new URL(["../../testdata/content", ...parts].join("/"), import.meta.url).pathname;
}

/** An engine serving only the given tables. */
export function engineWith(...tables: TableSpec[]): Engine {
  const registry = new Registry();
  for (const t of tables) registry.addTable(t);
  return new Engine({ registry });
}
