/**
 * What the daemon says while its database or its logs cannot be written (a full disk, a quota,
 * a read-only remount). The schedule keeps running meanwhile: a run that cannot commit is not
 * counted, so the next run that commits diffs against the last committed state and logs every
 * change since; lines already committed wait in the outbox until the logs take them again.
 * This module only decides what to report and when: one line when writing stops, a reminder
 * at most every `remindMs`, and one line when it resumes.
 *
 * @module
 */
import { Severity } from "./status.ts";

/** Where the daemon writes. */
export type StorageKind = "database" | "logs";

/** True for an error that means "no room" (or no write access) rather than a bug. */
export function isStorageError(err: unknown): boolean {
  const text = err instanceof Error ? `${err.name} ${err.message}` : String(err);
  return /disk is full|no space left|os error 28\b|ENOSPC|quota exceeded|os error 122\b|read-only file system|os error 30\b|disk I\/O error/i
    .test(text);
}

interface Outage {
  since: number;
  lastReport: number;
  /** Writes refused during the outage (runs not committed, or shipping attempts). */
  refused: number;
  message: string;
}

/** Tracks write outages per {@linkcode StorageKind} and reports their start, persistence and end. */
export class StorageHealth {
  readonly #outages = new Map<StorageKind, Outage>();
  readonly #report: (severity: number, message: string) => void;
  readonly #now: () => number;
  readonly #remindMs: number;

  /** `report` receives each status line; `remindMs` spaces the "still failing" reminders. */
  constructor(
    report: (severity: number, message: string) => void,
    options: { now?: () => number; remindMs?: number } = {},
  ) {
    this.#report = report;
    this.#now = options.now ?? Date.now;
    this.#remindMs = options.remindMs ?? 60_000;
  }

  /** True while writes of `kind` fail. */
  failing(kind: StorageKind): boolean {
    return this.#outages.has(kind);
  }

  /** Number of writes refused during the current outage of `kind` (0 when none). */
  refused(kind: StorageKind): number {
    return this.#outages.get(kind)?.refused ?? 0;
  }

  /**
   * A write of `kind` failed with `err` (`where` names it, e.g. the database path). `counts`:
   * the write was a run's commit (or a shipping attempt), not a bookkeeping write.
   */
  failed(kind: StorageKind, where: string, err: unknown, counts = true): void {
    const message = err instanceof Error ? err.message : String(err);
    const now = this.#now();
    const outage = this.#outages.get(kind);
    if (!outage) {
      this.#outages.set(kind, { since: now, lastReport: now, refused: counts ? 1 : 0, message });
      this.#report(Severity.ERROR, `${startText(kind, where, message)}`);
      return;
    }
    if (counts) outage.refused++;
    if (now - outage.lastReport >= this.#remindMs) {
      outage.lastReport = now;
      this.#report(
        Severity.ERROR,
        `Still cannot write the ${kind === "database" ? "database" : "logs"} ${where} (${message}) after ` +
          `${Math.round((now - outage.since) / 1000)} s; ${refusedText(kind, outage.refused)} so far.`,
      );
    }
  }

  /**
   * Runs a database write the schedule can do without (marks, splay, expiry cleanup): a full
   * disk is reported (not counted as a refused run) and the schedule goes on. Other errors
   * propagate.
   */
  async bestEffort(database: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (!isStorageError(err)) throw err;
      this.failed("database", database, err, false);
    }
  }

  /** A write of `kind` succeeded: ends an outage, if any, with one status line. */
  ok(kind: StorageKind, where: string): void {
    const outage = this.#outages.get(kind);
    if (!outage) return;
    this.#outages.delete(kind);
    const seconds = Math.round((this.#now() - outage.since) / 1000);
    this.#report(
      Severity.INFO,
      kind === "database"
        ? `Writing to the database ${where} resumed after ${seconds} s; ${refusedText(kind, outage.refused)} ` +
          `meanwhile: each query's changes since its last committed run are in its next results.`
        : `Writing the logs in ${where} resumed after ${seconds} s; results kept in the database's outbox are ` +
          `written now.`,
    );
  }
}

function startText(kind: StorageKind, where: string, message: string): string {
  return kind === "database"
    ? `Cannot write the database ${where} (${message}): the schedule keeps running, but runs are not committed ` +
      `until there is room again; nothing committed is lost and each query's changes are logged by its first run ` +
      `that commits. Free space on that filesystem.`
    : `Cannot write the logs in ${where} (${message}): results wait in the database's outbox and are written, ` +
      `once each, when there is room again. Free space on that filesystem.`;
}

function refusedText(kind: StorageKind, n: number): string {
  return kind === "database"
    ? `${n} run${n === 1 ? " was" : "s were"} not committed`
    : `${n} attempt${n === 1 ? "" : "s"} to write failed`;
}
