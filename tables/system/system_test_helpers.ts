/**
 * Test support of the system area: paths of its fixture trees (testdata/system/<name>) and a way
 * to run one table's generator on such a tree, as the engine would (`ctx.host` is the tree).
 *
 * @module
 */
import { fixtureHost, type FixtureHostOptions } from "../../core/host/host.ts";
import { OP, QueryContext, type Row, type TableSpec } from "../../core/table.ts";
import type { SqlValue } from "../../core/sqlite/values.ts";

/** The absolute path of fixture tree `name` under testdata/system. */
export function fixture(name: string): string {
  return new URL(`../../testdata/system/${name}`, import.meta.url).pathname.replace(/\/$/, "");
}

/** What a direct call of a generator is told about its query. */
export interface GenerateOptions extends FixtureHostOptions {
  /** Equality constraints per column (as `WHERE column IN (...)` hands them over). */
  equals?: Record<string, SqlValue[]>;
  /** The columns the query reads (default: all). */
  used?: string[];
}

/**
 * The rows `table`'s generator yields with `root` as the host's root: the raw rows, before the
 * engine converts values to the columns' types (so tests see exactly what the generator built).
 */
export function generated(table: TableSpec, root: string, options: GenerateOptions = {}): Row[] {
  const constraints = new Map(
    Object.entries(options.equals ?? {}).map(([column, values]) => [
      column,
      values.map((value) => ({ op: OP.EQUALS, value })),
    ]),
  );
  const ctx = new QueryContext(table.name, constraints, options.used ? new Set(options.used) : undefined);
  ctx.host = fixtureHost(root, options);
  return [...table.generate(ctx)];
}
