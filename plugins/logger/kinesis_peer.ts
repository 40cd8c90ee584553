/**
 * A Kinesis peer for tests, the crash check and the benchmark: kinesalite (npm; a working
 * implementation of the Kinesis API) on loopback in this process, and a reader of a stream's
 * records with GetShardIterator/GetRecords.
 *
 * @module
 */
// deno-lint-ignore no-import-prefix -- npm packages are imported by npm: specifier (the project has no import map)
import kinesalite from "npm:kinesalite@3.3.3";
import { AwsClient } from "../../core/aws/client.ts";

interface Kinesalite {
  listen(port: number, host: string, cb: () => void): void;
  address(): { port: number };
  close(cb?: () => void): void;
  closeAllConnections(): void;
}

const TARGET = "Kinesis_20131202";

/** A running kinesalite. */
export interface KinesisPeer {
  /** `http://127.0.0.1:PORT` (for `--aws_kinesis_endpoint`). */
  endpoint: string;
  close(): Promise<void>;
}

/** A client of the peer with test credentials. */
export function peerClient(endpoint: string): AwsClient {
  return new AwsClient({
    service: "kinesis",
    region: "us-east-1",
    endpoint,
    credentials: () => Promise.resolve({ accessKeyId: "AKIDTEST", secretAccessKey: "secret" }),
  });
}

/** Starts kinesalite on loopback with `stream` of `shards` shards, ACTIVE. */
export async function startKinesis(stream: string, shards: number): Promise<KinesisPeer> {
  const server = (kinesalite as unknown as (o: Record<string, number>) => Kinesalite)({
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const endpoint = `http://127.0.0.1:${server.address().port}`;
  const client = peerClient(endpoint);
  try {
    await client.callJson(`${TARGET}.CreateStream`, { StreamName: stream, ShardCount: shards });
    const end = Date.now() + 30_000;
    for (;;) {
      const d: { StreamDescription: { StreamStatus: string } } = await client.callJson(`${TARGET}.DescribeStream`, {
        StreamName: stream,
      });
      if (d.StreamDescription.StreamStatus === "ACTIVE") break;
      if (Date.now() > end) throw new Error("kinesalite did not make the stream ACTIVE within 30 s");
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    client.close();
  }
  return {
    endpoint,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        // A client's kept-alive connection would otherwise hold close() open until the server's
        // idle timeout (180 s here): a loaded run of the 1,200-line test took 3m0s that way.
        server.closeAllConnections();
      }),
  };
}

/** Every record of the stream, shard by shard in order, as partition key and text. */
export async function readStream(endpoint: string, stream: string): Promise<{ key: string; text: string }[]> {
  const client = peerClient(endpoint);
  const out: { key: string; text: string }[] = [];
  const decoder = new TextDecoder();
  try {
    const { Shards }: { Shards: { ShardId: string }[] } = await client.callJson(`${TARGET}.ListShards`, {
      StreamName: stream,
    });
    for (const { ShardId } of Shards) {
      let { ShardIterator: it }: { ShardIterator?: string } = await client.callJson(`${TARGET}.GetShardIterator`, {
        StreamName: stream,
        ShardId,
        ShardIteratorType: "TRIM_HORIZON",
      });
      while (it) {
        const page: { Records: { Data: string; PartitionKey: string }[]; NextShardIterator?: string } = await client
          .callJson(`${TARGET}.GetRecords`, { ShardIterator: it });
        for (const r of page.Records) {
          out.push({ key: r.PartitionKey, text: decoder.decode(Uint8Array.fromBase64(r.Data)) });
        }
        it = page.Records.length ? page.NextShardIterator : undefined;
      }
    }
  } finally {
    client.close();
  }
  return out;
}
