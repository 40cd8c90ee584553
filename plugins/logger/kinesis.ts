/**
 * osquery's `aws_kinesis` logger: records to `--aws_kinesis_stream` with PutRecords (at most
 * 500 records and 5,000,000 bytes a request, 999,744 bytes a record), partition key the host
 * identifier (or a random UUID per record with `--aws_kinesis_random_partition_key`), at
 * `--aws_kinesis_endpoint` or Kinesis in `--aws_kinesis_region`/`--aws_region`. Status logs
 * too, unless `--aws_kinesis_disable_log_status`. After a restart that interrupted a round,
 * the stream is read back (GetShardIterator after the last sequence number this database knows
 * per shard, GetRecords) so what arrived is not sent again. See aws.ts for the shared behaviour.
 *
 * @module
 */
import "./flags.ts";
import { flags } from "../../core/flags/flags.ts";
import { AwsClient, awsRegion } from "../../core/aws/client.ts";
import { type AwsIntent, AwsLogger, type AwsLoggerOptions, type AwsRecord } from "./aws.ts";

/** Raised for a missing stream name. */
export class KinesisConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KinesisConfigError";
  }
}

interface PutRecordsAnswer {
  FailedRecordCount?: number;
  Records?: { SequenceNumber?: string; ShardId?: string; ErrorCode?: string; ErrorMessage?: string }[];
}

const TARGET = "Kinesis_20131202";
const decoder = new TextDecoder();

/** osquery's aws_kinesis logger. */
export class KinesisLogger extends AwsLogger {
  readonly name = "aws_kinesis";
  protected readonly maxRecordBytes = 1_000_000 - 256;
  protected readonly maxBatchRecords = 500;
  protected readonly maxBatchBytes = 5_000_000;
  protected readonly newline = false;
  protected readonly sendsStatus: boolean;
  readonly stream: string;
  #partitionKey: string | undefined;
  #positions: Map<string, string> | undefined;

  constructor(options: AwsLoggerOptions = {}) {
    const stream = options.stream ?? flags.string("aws_kinesis_stream");
    if (!stream) throw new KinesisConfigError("Stream name must be specified with --aws_kinesis_stream");
    const endpoint = flags.string("aws_kinesis_endpoint");
    super(
      options,
      options.client ??
        new AwsClient({
          service: "kinesis",
          region: awsRegion(flags.string("aws_kinesis_region"), endpoint === ""),
          endpoint,
        }),
    );
    this.stream = stream;
    this.sendsStatus = !flags.bool("aws_kinesis_disable_log_status");
    this.startStatusTimer();
  }

  protected get periodMs(): number {
    return Math.max(1, this.o.periodMs ?? flags.number("aws_kinesis_period") * 1000);
  }

  async #key(): Promise<string> {
    if (flags.bool("aws_kinesis_random_partition_key")) return crypto.randomUUID();
    this.#partitionKey ??= String(await (this.o.context?.hostIdentifier?.() ?? Deno.hostname()));
    return this.#partitionKey;
  }

  protected async putBatch(records: AwsRecord[]): Promise<string[]> {
    const entries = [];
    for (const r of records) entries.push({ Data: r.data.toBase64(), PartitionKey: await this.#key() });
    const answer = await this.client.callJson<PutRecordsAnswer>(`${TARGET}.PutRecords`, {
      StreamName: this.stream,
      Records: entries,
    });
    const positions = await this.#knownPositions();
    return records.map((_, i) => {
      const r = answer.Records?.[i];
      if (!r) return "NoAnswer";
      if (r.ErrorCode) return r.ErrorCode;
      if (r.ShardId && r.SequenceNumber) this.#advance(positions, r.ShardId, r.SequenceNumber);
      return "";
    });
  }

  /** The last sequence number of this host's records per shard (kept in the store across restarts). */
  async #knownPositions(): Promise<Map<string, string>> {
    if (!this.#positions) {
      const stored = await this.o.store?.get<[string, string][]>(["kinesis_positions", this.stream]);
      this.#positions = new Map(stored ?? []);
    }
    return this.#positions;
  }

  #advance(positions: Map<string, string>, shard: string, sequence: string): void {
    const known = positions.get(shard);
    if (known === undefined || BigInt(sequence) > BigInt(known)) positions.set(shard, sequence);
  }

  protected override async afterRound(): Promise<void> {
    if (this.#positions && this.o.store) {
      await this.o.store.set(["kinesis_positions", this.stream], [...this.#positions]);
    }
  }

  /**
   * What arrived after the last sequence number known per shard (from the start of a shard
   * this database never shipped to: the first round has no position to start from).
   */
  protected override async startPositions(): Promise<[string, string][]> {
    return [...await this.#knownPositions()];
  }

  protected override async readBack(intent: AwsIntent): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const positions = await this.#knownPositions();
    const starts = new Map(intent.positions ?? []);
    const random = flags.bool("aws_kinesis_random_partition_key");
    const key = random ? "" : await this.#key();
    const shards: string[] = [];
    let next: string | undefined;
    do {
      const page: { Shards?: { ShardId: string }[]; NextToken?: string } = await this.client.callJson(
        `${TARGET}.ListShards`,
        next ? { NextToken: next } : { StreamName: this.stream },
      );
      for (const s of page.Shards ?? []) shards.push(s.ShardId);
      next = page.NextToken;
    } while (next);
    for (const shard of shards) {
      const known = starts.get(shard);
      const start: { ShardIterator?: string } = await this.client.callJson(`${TARGET}.GetShardIterator`, {
        StreamName: this.stream,
        ShardId: shard,
        ...(known
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: known }
          : { ShardIteratorType: "TRIM_HORIZON" }),
      });
      let iterator = start.ShardIterator;
      while (iterator) {
        const page: {
          Records?: { Data: string; PartitionKey: string; SequenceNumber: string }[];
          NextShardIterator?: string;
          MillisBehindLatest?: number;
        } = await this.client.callJson(`${TARGET}.GetRecords`, { ShardIterator: iterator, Limit: 10000 });
        for (const r of page.Records ?? []) {
          if (!random && r.PartitionKey !== key) continue;
          const text = decoder.decode(Uint8Array.fromBase64(r.Data));
          counts.set(text, (counts.get(text) ?? 0) + 1);
          this.#advance(positions, shard, r.SequenceNumber);
        }
        const atEnd = (page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0;
        iterator = atEnd ? undefined : page.NextShardIterator;
      }
    }
    return counts;
  }
}
