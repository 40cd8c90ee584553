/**
 * The `tls` logger plugin: result and snapshot lines, and status records, POSTed to
 * `--logger_tls_endpoint` as `{"node_key", "log_type": "result"|"status", "data": [records]}`.
 *
 * Results: the daemon's outbox hands over each entry's lines; they go in requests of at most
 * `--logger_tls_max_lines` records (gzip with `--logger_tls_compress`). A line longer than
 * `--logger_tls_max_linesize` bytes, or one that is not JSON, is dropped with a status warning
 * (as osquery). {@linkcode TlsLogger.logLines} resolves only when every request succeeded and
 * throws otherwise, so the entry stays in the outbox and is sent again later: nothing is lost.
 * Requests of an entry that already succeeded are not sent again while this process lives.
 *
 * Status records: buffered in memory and sent every `--logger_tls_period` seconds; while the
 * server fails the wait grows (period × n², at most `--logger_tls_backoff_max`). At most
 * `--buffered_log_max` records are kept (0 = no limit); past it the oldest are dropped with a
 * warning. The buffer lives in memory: records not yet sent when the process ends are lost
 * (results are not: they are in the outbox). `--tls_disable_status_log` sends none.
 *
 * @module
 */
import "../../core/tls_api/flags.ts";
import { flags } from "../../core/flags/flags.ts";
import { calendarTime } from "../../core/results/diff.ts";
import { OSQUERY_VERSION } from "../../core/runtime/version.ts";
import { callerLocation, type SourceLocation } from "../../core/runtime/source_location.ts";
import type { RemoteClient } from "../../core/tls_api/client.ts";
import { type Logger, Severity, type StatusRecord } from "./logger.ts";
import { StatusBuffer } from "./status_buffer.ts";
import { PeriodicSend, squaredBackoff } from "./periodic_send.ts";

/** Options of the tls logger; unset ones come from the flags. */
export interface TlsLoggerOptions {
  client: RemoteClient;
  /** The host identifier in status records (`--host_identifier`). */
  hostIdentifier: () => string | Promise<string>;
  /** Decorations added to status records (the daemon's current decorations). */
  decorations?: () => Record<string, string>;
  /** `--logger_tls_endpoint`. */
  endpoint?: string;
  /** `--logger_tls_max_lines`. */
  maxLines?: number;
  /** `--logger_tls_max_linesize` (bytes). */
  maxLineSize?: number;
  /** `--logger_tls_compress`. */
  compress?: boolean;
  /** Milliseconds between status sends (default `--logger_tls_period` seconds). */
  periodMs?: number;
  /** Longest back-off in milliseconds (default `--logger_tls_backoff_max` seconds). */
  backoffMaxMs?: number;
  /** `--buffered_log_max`. */
  bufferMax?: number;
}

const encoder = new TextEncoder();

/** osquery's `tls` logger. */
export class TlsLogger implements Logger {
  readonly name = "tls";
  readonly #o: TlsLoggerOptions;
  readonly #buffer = new StatusBuffer(() => this.#bufferMax);
  /** Status records not yet sent (the buffer's records). */
  get #status(): StatusRecord[] {
    return this.#buffer.records;
  }
  /** Outbox entry partly sent by this process: its sequence number and lines already accepted. */
  #progress: { seq: bigint; sent: number } | undefined;
  readonly #statusSend = new PeriodicSend({
    send: () => this.flushStatus(),
    periodMs: () => this.#periodMs,
    // Back off as osquery: period × n², capped (0 = no back-off).
    retryMs: (periodMs, failures) =>
      this.#backoffMaxMs > periodMs ? squaredBackoff(periodMs, failures, this.#backoffMaxMs) : periodMs,
  });
  #flushing: Promise<void> | undefined;

  constructor(options: TlsLoggerOptions) {
    this.#o = options;
    this.#statusSend.start();
  }

  // Settings are read at each use: a config reload may change the (non-CLI) logger flags.
  get #endpoint(): string {
    return this.#o.endpoint ?? flags.string("logger_tls_endpoint");
  }
  get #maxLines(): number {
    return Math.max(1, this.#o.maxLines ?? flags.number("logger_tls_max_lines"));
  }
  get #maxLineSize(): number {
    return this.#o.maxLineSize ?? flags.number("logger_tls_max_linesize");
  }
  get #compress(): boolean {
    return this.#o.compress ?? flags.bool("logger_tls_compress");
  }
  get #periodMs(): number {
    return Math.max(1, this.#o.periodMs ?? flags.number("logger_tls_period") * 1000);
  }
  get #backoffMaxMs(): number {
    return this.#o.backoffMaxMs ?? flags.number("logger_tls_backoff_max") * 1000;
  }
  get #bufferMax(): number {
    return this.#o.bufferMax ?? flags.number("buffered_log_max");
  }

  /** Status records waiting to be sent. */
  get pendingStatus(): number {
    return this.#status.length;
  }

  async logLines(_category: "result" | "snapshot", lines: string[], seq: bigint): Promise<void> {
    const records: unknown[] = [];
    for (const line of lines) {
      const size = encoder.encode(line).length;
      if (size > this.#maxLineSize) {
        this.#warn(`Linesize exceeds TLS logger maximum: ${size}`);
        continue;
      }
      try {
        records.push(JSON.parse(line));
      } catch {
        this.#warn(`A result line is not JSON and was not sent to the TLS server: ${line.slice(0, 80)}`);
      }
    }
    let sent = this.#progress?.seq === seq ? this.#progress.sent : 0;
    while (sent < records.length) {
      const batch = records.slice(sent, sent + this.#maxLines);
      // Snapshots are results to the TLS API.
      await this.#o.client.request(this.#endpoint, { log_type: "result", data: batch }, { compress: this.#compress });
      sent += batch.length;
      this.#progress = { seq, sent };
    }
    this.#progress = undefined;
  }

  logStatus(record: StatusRecord): void {
    if (this.#statusSend.closed || flags.bool("tls_disable_status_log")) return;
    this.#buffer.add(record);
  }

  /**
   * Sends the buffered status records now, in requests of `--logger_tls_max_lines`; stops at the
   * first failure (the rest stay buffered) and throws it.
   */
  flushStatus(): Promise<void> {
    this.#flushing ??= this.#sendStatus().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  async #sendStatus(): Promise<void> {
    this.#buffer.notePurged();
    const host = await this.#o.hostIdentifier();
    const decorations = this.#o.decorations?.() ?? {};
    while (this.#status.length > 0) {
      const batch = this.#status.slice(0, this.#maxLines);
      const data = batch.map((r) => statusJson(r, host, decorations));
      await this.#o.client.request(this.#endpoint, { log_type: "status", data }, { compress: this.#compress });
      // Records logged meanwhile were appended: the sent ones are still the first ones.
      this.#status.splice(0, batch.length);
    }
  }

  #record(severity: number, message: string, where: SourceLocation): StatusRecord {
    return { severity, message, file: where.file, line: where.line, time: new Date() };
  }

  /** A warning of this logger's own, located (glog style) at the line that calls `#warn`. */
  #warn(message: string): void {
    this.logStatus(this.#record(Severity.WARNING, message, callerLocation(1, "tls.ts")));
  }

  recover(): Promise<void> {
    return Promise.resolve();
  }

  /** Stops the periodic send (records still buffered are not sent). */
  close(): void {
    this.#statusSend.close();
  }
}

/** A status record as osquery's buffered loggers send it. */
export function statusJson(
  r: StatusRecord,
  hostIdentifier: string,
  decorations: Record<string, string> = {},
): Record<string, unknown> {
  const unixTime = Math.floor(r.time.getTime() / 1000);
  const out: Record<string, unknown> = {
    hostIdentifier,
    calendarTime: calendarTime(unixTime),
    unixTime,
    severity: r.severity,
    filename: r.file,
    line: r.line,
    message: r.message,
    version: OSQUERY_VERSION,
  };
  if (Object.keys(decorations).length > 0) {
    if (flags.has("decorations_top_level") && flags.bool("decorations_top_level")) Object.assign(out, decorations);
    else out.decorations = decorations;
  }
  return out;
}
