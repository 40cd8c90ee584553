/**
 * osquery's `aws_firehose` logger: records (each line with its log_type, newline-terminated)
 * to the delivery stream `--aws_firehose_stream` with PutRecordBatch (at most 500 records and
 * 4,000,000 bytes a request, 1,000,000 bytes a record), at `--aws_firehose_endpoint` or
 * Firehose in `--aws_firehose_region`/`--aws_region`. Firehose cannot be read back: a round a
 * `kill -9` interrupted is sent again after the restart (at least once, with a warning). See
 * aws.ts for the shared behaviour.
 *
 * @module
 */
import "./flags.ts";
import { flags } from "../../core/flags/flags.ts";
import { AwsClient, awsRegion } from "../../core/aws/client.ts";
import { AwsLogger, type AwsLoggerOptions, type AwsRecord } from "./aws.ts";

/** Raised for a missing delivery stream name. */
export class FirehoseConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FirehoseConfigError";
  }
}

interface PutRecordBatchAnswer {
  FailedPutCount?: number;
  RequestResponses?: { RecordId?: string; ErrorCode?: string; ErrorMessage?: string }[];
}

/** osquery's aws_firehose logger. */
export class FirehoseLogger extends AwsLogger {
  readonly name = "aws_firehose";
  protected readonly maxRecordBytes = 1_000_000;
  protected readonly maxBatchRecords = 500;
  protected readonly maxBatchBytes = 4_000_000;
  protected readonly newline = true;
  protected readonly sendsStatus = true;
  readonly stream: string;

  constructor(options: AwsLoggerOptions = {}) {
    const stream = options.stream ?? flags.string("aws_firehose_stream");
    if (!stream) throw new FirehoseConfigError("Stream name must be specified with --aws_firehose_stream");
    const endpoint = flags.string("aws_firehose_endpoint");
    super(
      options,
      options.client ??
        new AwsClient({
          service: "firehose",
          region: awsRegion(flags.string("aws_firehose_region"), endpoint === ""),
          endpoint,
        }),
    );
    this.stream = stream;
    this.startStatusTimer();
  }

  protected get periodMs(): number {
    return Math.max(1, this.o.periodMs ?? flags.number("aws_firehose_period") * 1000);
  }

  protected async putBatch(records: AwsRecord[]): Promise<string[]> {
    const answer = await this.client.callJson<PutRecordBatchAnswer>("Firehose_20150804.PutRecordBatch", {
      DeliveryStreamName: this.stream,
      Records: records.map((r) => ({ Data: r.data.toBase64() })),
    });
    return records.map((_, i) =>
      answer.RequestResponses?.[i]?.ErrorCode ?? (answer.RequestResponses?.[i] ? "" : "NoAnswer")
    );
  }
}
