/**
 * A query context for tests of long generator loops: it reports `cancelled` once it was polled
 * more than `limit` times, and counts the polls, so a test can tell how much work a generator did
 * after an interrupt (Ctrl-C, a time limit) without timing anything.
 *
 * @module
 */
import { type Constraint, QueryContext } from "../core/table.ts";

/** A context interrupted after `limit` polls of {@linkcode QueryContext.cancelled}. */
export class CancelAfter extends QueryContext {
  /** How many times `cancelled` was read. */
  polls = 0;
  readonly limit: number;

  constructor(table: string, limit: number, constraints: ReadonlyMap<string, readonly Constraint[]> = new Map()) {
    super(table, constraints);
    this.limit = limit;
  }

  override get cancelled(): boolean {
    return ++this.polls > this.limit;
  }
}
