/**
 * The in-memory status buffer of osquery's buffered loggers (`tls`, `aws_kinesis`,
 * `aws_firehose`): records wait here between sends; past `--buffered_log_max` the oldest are
 * dropped, and the next send starts with osquery's purge warning counting them.
 *
 * @module
 */
import { Severity, type StatusRecord } from "./logger.ts";
import { callerLocation } from "../../core/runtime/source_location.ts";

/** Status records waiting to be sent, oldest first, capped at `max()` (0 = no cap). */
export class StatusBuffer {
  /** The records, oldest first; senders take from the front and put back what failed. */
  readonly records: StatusRecord[] = [];
  #dropped = 0;
  readonly #max: () => number;

  constructor(max: () => number) {
    this.#max = max;
  }

  /** Adds `record`, dropping the oldest ones past the cap. */
  add(record: StatusRecord): void {
    this.records.push(record);
    const max = this.#max();
    if (max > 0 && this.records.length > max) {
      const excess = this.records.length - max;
      this.records.splice(0, excess);
      this.#dropped += excess;
    }
  }

  /**
   * Puts osquery's purge warning first when records were dropped since the last call. Its glog
   * location is this file, as osquery's is its buffered logger's source.
   */
  notePurged(): void {
    if (this.#dropped === 0) return;
    const dropped = this.#dropped;
    this.#dropped = 0;
    this.records.unshift({
      severity: Severity.WARNING,
      message: `Purging buffered logs limit (${this.#max()}) exceeded: ${dropped} status logs were dropped`,
      ...callerLocation(0, "status_buffer.ts"),
      time: new Date(),
    });
  }
}
