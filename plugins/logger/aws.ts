/**
 * What the aws_kinesis and aws_firehose loggers share (osquery's AwsLogForwarder): each line
 * becomes one record, its JSON object given a `"log_type"` of `"result"` or `"status"`; a line
 * that is not JSON, or a record over the service's size, is dropped with an error as osquery
 * does. Records go in batches within the service's limits (records and bytes per request).
 * Records a request failed for (the service reports them one by one) are sent again; throttling
 * and server errors back off (0.5 s doubling, at most 8 s) for a few attempts, then the call
 * throws and the outbox keeps the entries for the next round.
 *
 * Nothing twice: the records the service accepted are remembered until the outbox retires
 * their entries, so a round that failed half way sends only the rest. After a restart (a
 * `kill -9` between sending and retiring) a service that can be read back (Kinesis) is read
 * from the moment the interrupted round began, and what arrived is left out; a service that
 * cannot (Firehose) gets the interrupted round again, said in a warning.
 *
 * Status logs are buffered in memory and sent every `--aws_*_period` seconds (the newest
 * `--buffered_log_max` kept), as osquery's buffered forwarder; they are not in the outbox.
 *
 * @module
 */
import "./flags.ts";
import "../../core/tls_api/flags.ts";
import { flags } from "../../core/flags/flags.ts";
import type { Store } from "../../core/kv/store.ts";
import type { AwsClient } from "../../core/aws/client.ts";
import { AwsError } from "../../core/aws/client.ts";
import { type Logger, type LoggerContext, Severity, type StatusRecord } from "./logger.ts";
import { StatusBuffer } from "./status_buffer.ts";
import { PeriodicSend, squaredBackoff } from "./periodic_send.ts";
import { statusJson } from "./tls.ts";

export { AwsError };

/** Options both AWS loggers take; unset ones come from the flags. */
export interface AwsLoggerOptions {
  store?: Store;
  context?: LoggerContext;
  /** A client to use (tests); default: one from the flags. */
  client?: AwsClient;
  /** The stream (default: the logger's stream flag). */
  stream?: string;
  /** Milliseconds between status sends (default: the period flag). */
  periodMs?: number;
  /** Attempts per batch before the call gives up (default 5). */
  attempts?: number;
  /** First back-off pause in ms (default 500). */
  backoffMs?: number;
}

/** One record to send, and the line it carries. */
export interface AwsRecord {
  data: Uint8Array;
  /** The record's text (the line with its log_type), to match what arrived. */
  text: string;
}

/** Where an interrupted round began (stored before sending). */
export interface AwsIntent {
  seq: bigint;
  /** Unix seconds the round began. */
  since: number;
  /** Where the service's read-back starts (Kinesis: the last sequence number per shard before the round). */
  positions?: [string, string][];
}

const encoder = new TextEncoder();

/**
 * osquery's appendLogTypeToJson: the line's JSON object with `"log_type"` added last, or
 * undefined when the line is not a JSON object.
 */
export function withLogType(line: string, type: "result" | "status"): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return undefined;
  const body = line.trimEnd();
  const empty = Object.keys(doc).length === 0;
  return `${body.slice(0, body.lastIndexOf("}"))}${empty ? "" : ","}"log_type":"${type}"}`;
}

/** Splits records into batches of at most `maxRecords` records and fewer than `maxBytes` bytes. */
export function batches<T extends { data: Uint8Array }>(records: T[], maxRecords: number, maxBytes: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const r of records) {
    if (current.length && (bytes + r.data.length >= maxBytes || current.length >= maxRecords)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += r.data.length;
  }
  if (current.length) out.push(current);
  return out;
}

/** The shared forwarder; a service fills in its limits and its request. */
export abstract class AwsLogger implements Logger {
  abstract readonly name: string;
  readonly batchable = true;
  protected readonly o: AwsLoggerOptions;
  protected readonly client: AwsClient;
  /** Records accepted since the outbox last retired what this logger was given. */
  #accepted = new Map<string, number>();
  /** A round that may have partly arrived. */
  #suspect: AwsIntent | undefined;
  /** The suspect round is from an earlier process (read it back, or warn). */
  #fromEarlierProcess = false;
  readonly #buffer = new StatusBuffer(() => flags.number("buffered_log_max"));
  /** Status records not yet sent (the buffer's records). */
  get #status(): StatusRecord[] {
    return this.#buffer.records;
  }
  readonly #statusSend = new PeriodicSend({
    send: () => this.flushStatus(),
    periodMs: () => this.periodMs,
    retryMs: (periodMs, failures) => squaredBackoff(periodMs, failures, 3600_000),
  });
  #flushing: Promise<void> | undefined;

  /** Bytes one record may have (data and partition key). */
  protected abstract readonly maxRecordBytes: number;
  /** Records per request. */
  protected abstract readonly maxBatchRecords: number;
  /** Bytes per request. */
  protected abstract readonly maxBatchBytes: number;
  /** Firehose separates records by newlines; Kinesis does not. */
  protected abstract readonly newline: boolean;
  /** Whether status logs go to the service. */
  protected abstract readonly sendsStatus: boolean;

  constructor(options: AwsLoggerOptions, client: AwsClient) {
    this.o = options;
    this.client = client;
  }

  /** Starts the periodic status send (subclasses call it once constructed). */
  protected startStatusTimer(): void {
    this.#statusSend.start();
  }

  /** Milliseconds between status sends. */
  protected abstract get periodMs(): number;

  /** Sends one batch; resolves with each record's error code ("" when accepted). */
  protected abstract putBatch(records: AwsRecord[]): Promise<string[]>;

  /**
   * Counts of record texts that arrived since `since` (unix seconds), or undefined when the
   * service cannot be read back.
   */
  protected readBack(_intent: AwsIntent): Promise<Map<string, number> | undefined> {
    return Promise.resolve(undefined);
  }

  /** Where a read-back of the round about to start would begin (stored in its intent). */
  protected startPositions(): Promise<[string, string][] | undefined> {
    return Promise.resolve(undefined);
  }

  /** After every record of a round was accepted (Kinesis keeps its shard positions). */
  protected afterRound(): Promise<void> {
    return Promise.resolve();
  }

  protected status(severity: number, message: string): void {
    (this.o.context?.status ?? defaultStatus)(severity, message);
  }

  async recover(): Promise<void> {
    const store = this.o.store;
    if (!store) return;
    const intent = await store.get<AwsIntent>(["intent", this.name]);
    if (intent && !(await store.isShipped(this.name, intent.seq))) {
      this.#suspect = intent;
      this.#fromEarlierProcess = true;
    }
  }

  /** Lines to records: log_type added, non-JSON and oversized ones dropped with an error. */
  protected records(lines: string[], type: "result" | "status"): AwsRecord[] {
    const out: AwsRecord[] = [];
    for (const line of lines) {
      if (line === "") continue;
      const typed = withLogType(line, type);
      if (typed === undefined) {
        this.status(
          Severity.ERROR,
          `${this.name}: The following log record has been discarded because it was not in JSON format: ${line}`,
        );
        continue;
      }
      const text = this.newline ? `${typed}\n` : typed;
      const data = encoder.encode(text);
      if (data.length >= this.maxRecordBytes || data.length >= this.maxBatchBytes) {
        this.status(
          Severity.ERROR,
          `${this.name}: The following log records have been discarded because they were too big:\n${typed}`,
        );
        continue;
      }
      out.push({ data, text });
    }
    return out;
  }

  async logLines(_category: "result" | "snapshot", lines: string[], seq: bigint): Promise<void> {
    let records = this.records(lines, "result");
    if (this.#suspect) {
      if (this.#fromEarlierProcess) {
        const arrived = await this.readBack(this.#suspect);
        if (arrived) {
          for (const [text, n] of arrived) this.#accepted.set(text, (this.#accepted.get(text) ?? 0) + n);
        } else {
          this.status(
            Severity.WARNING,
            `${this.name}: the previous process stopped while sending; ${this.name} cannot be read back, ` +
              "so those records are sent again and may arrive twice",
          );
        }
        this.#fromEarlierProcess = false;
      }
      records = this.#withoutAccepted(records);
    } else this.#accepted.clear();
    if (records.length === 0) {
      this.#suspect = undefined;
      this.#accepted.clear();
      return;
    }
    const intent: AwsIntent = this.#suspect ??
      { seq, since: Math.floor(Date.now() / 1000), positions: await this.startPositions() };
    intent.seq = seq;
    await this.o.store?.set(["intent", this.name], intent);
    this.#suspect = intent;
    for (const batch of batches(records, this.maxBatchRecords, this.maxBatchBytes)) await this.#sendBatch(batch);
    await this.afterRound();
    this.#suspect = undefined;
    this.#accepted.clear();
  }

  #withoutAccepted(records: AwsRecord[]): AwsRecord[] {
    if (this.#accepted.size === 0) return records;
    const left = new Map(this.#accepted);
    let skipped = 0;
    const rest = records.filter((r) => {
      const n = left.get(r.text) ?? 0;
      if (n === 0) return true;
      left.set(r.text, n - 1);
      skipped++;
      return false;
    });
    if (skipped && this.#fromEarlierProcess === false) {
      this.status(Severity.INFO, `${this.name}: ${skipped} records had already been accepted; not sent again`);
    }
    return rest;
  }

  async #sendBatch(batch: AwsRecord[]): Promise<void> {
    const attempts = Math.max(1, this.o.attempts ?? 5);
    let pause = this.o.backoffMs ?? 500;
    let pending = batch;
    let last = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const errors = await this.putBatch(pending);
        const failed: AwsRecord[] = [];
        pending.forEach((r, i) => {
          if (errors[i]) {
            failed.push(r);
            last = errors[i];
          } else this.#accepted.set(r.text, (this.#accepted.get(r.text) ?? 0) + 1);
        });
        pending = failed;
        if (pending.length === 0) return;
      } catch (err) {
        if (!(err instanceof AwsError) || !err.retryable) throw err;
        last = err.message;
      }
      if (attempt < attempts) {
        await new Promise((r) => setTimeout(r, pause));
        pause = Math.min(pause * 2, 8000);
      }
    }
    throw new AwsError(
      `${this.name}: ${pending.length} of ${batch.length} records were not accepted after ${attempts} attempts ` +
        `(${last}); they stay queued and are sent again`,
      "Incomplete",
      0,
    );
  }

  logStatus(record: StatusRecord): void {
    if (this.#statusSend.closed || !this.sendsStatus) return;
    this.#buffer.add(record);
  }

  /** Status records waiting to be sent. */
  get pendingStatus(): number {
    return this.#status.length;
  }

  /** Sends the buffered status records now; the ones not accepted stay buffered. */
  flushStatus(): Promise<void> {
    this.#flushing ??= this.#sendStatus().finally(() => (this.#flushing = undefined));
    return this.#flushing;
  }

  async #sendStatus(): Promise<void> {
    this.#buffer.notePurged();
    if (this.#status.length === 0) return;
    const host = await (this.o.context?.hostIdentifier?.() ?? Deno.hostname());
    const decorations = this.o.context?.decorations?.() ?? {};
    const taken = this.#status.splice(0, this.#status.length);
    const pairs: (AwsRecord & { source: StatusRecord })[] = [];
    for (const source of taken) {
      const [record] = this.records([JSON.stringify(statusJson(source, host, decorations))], "status");
      if (record) pairs.push({ ...record, source });
    }
    const list = batches(pairs, this.maxBatchRecords, this.maxBatchBytes);
    for (const [i, batch] of list.entries()) {
      let errors: string[];
      try {
        errors = await this.putBatch(batch);
      } catch (err) {
        // What was not sent stays first in the buffer, ahead of what arrived meanwhile.
        this.#status.unshift(...list.slice(i).flat().map((p) => p.source));
        throw err;
      }
      const failed = batch.filter((_, j) => errors[j]).map((p) => p.source);
      if (failed.length) {
        this.#status.unshift(...failed, ...list.slice(i + 1).flat().map((p) => p.source));
        throw new AwsError(`${this.name}: ${failed.length} status records were not accepted`, "Incomplete", 0);
      }
    }
  }

  close(): void {
    this.#statusSend.close();
    this.client.close();
  }
}

function defaultStatus(severity: number, message: string): void {
  if (severity >= Severity.WARNING) console.error(`osq: ${message}`);
}
