/**
 * osquery's decorators: the columns every result line carries, from the config's `decorators`
 * queries — `load` ones when a config loads, `interval` ones every so many seconds, `always`
 * ones before each scheduled query. Later kinds override earlier ones key by key.
 *
 * @module
 */
import { flags } from "../flags/flags.ts";
import type { Engine } from "../engine.ts";
import { Severity, type StatusSink } from "./status.ts";

const decoder = new TextDecoder();

/** The decorations of the current config, merged from its decorator queries' first rows. */
export class Decorations {
  /** The merged decorations the next result line carries. */
  current: Record<string, string> = {};
  readonly #engine: Engine;
  readonly #status: StatusSink;
  #load: Record<string, string> = {};
  #always: string[] = [];
  readonly #interval = new Map<number, Record<string, string>>();

  constructor(engine: Engine, status: StatusSink) {
    this.#engine = engine;
    this.#status = status;
  }

  /** A config loaded: runs its `load` decorators, keeps its `always` ones, forgets the interval ones. */
  loaded(decorators: { load: string[]; always: string[] }): void {
    this.#always = decorators.always;
    this.#load = this.run(decorators.load);
    this.#interval.clear();
    this.#merge({});
  }

  /** Runs the `interval` decorators due at tick `i` (checked once a minute, as osquery does). */
  tick(i: number, interval: Map<number, string[]>): void {
    if (i % 60 !== 0) return;
    for (const [every, sqls] of interval) {
      if (i % every === 0) this.#interval.set(every, this.run(sqls));
    }
  }

  /** Before a scheduled query: runs the `always` decorators into the current decorations. */
  beforeQuery(): void {
    this.#merge(this.run(this.#always));
  }

  /** The first row of each query, as text (a failing query is reported and adds nothing). */
  run(sqls: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    if (flags.bool("disable_decorators")) return out;
    for (const sql of sqls) {
      try {
        const rows = this.#engine.query(sql);
        if (rows.length > 1) this.#status(Severity.WARNING, `Multiple rows returned for decorator query: ${sql}`);
        const first = rows[0];
        if (!first) continue;
        for (const [k, v] of Object.entries(first)) {
          out[k] = v === null ? "" : v instanceof Uint8Array ? decoder.decode(v) : String(v);
        }
      } catch (err) {
        this.#status(Severity.WARNING, `Decorator query failed (${sql}): ${(err as Error).message}`);
      }
    }
    return out;
  }

  #merge(always: Record<string, string>): void {
    const merged: Record<string, string> = { ...this.#load };
    for (const d of this.#interval.values()) Object.assign(merged, d);
    Object.assign(merged, always);
    this.current = merged;
  }
}
