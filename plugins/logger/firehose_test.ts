import { assert, assertEquals, assertRejects } from "../../testing/assert.ts";
import { openStore } from "../../core/kv/store.ts";
// deno-lint-ignore no-import-prefix -- npm packages are imported by npm: specifier (the project has no import map)
import { SignatureV4 } from "npm:@smithy/signature-v4@5.7.5";
// deno-lint-ignore no-import-prefix -- npm packages are imported by npm: specifier (the project has no import map)
import { Sha256 } from "npm:@aws-crypto/sha256-js@5.2.0";
import { AwsError } from "./aws.ts";
import { FirehoseLogger } from "./firehose.ts";
import { Severity } from "./logger.ts";
import { drainOutbox } from "./outbox.ts";
import { commitLines, peerTest, withLogger } from "./logger_test_helpers.ts";

const KEY_ID = "AKIDFIREHOSE";
const SECRET = "firehose-secret";

/** Recomputes the request's SigV4 signature with AWS's signer; true when it matches. */
async function signatureValid(req: Request, body: string): Promise<boolean> {
  const auth = req.headers.get("authorization") ?? "";
  const m = /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]+)/
    .exec(auth);
  if (!m || m[1] !== KEY_ID || m[4] !== "firehose") return false;
  const url = new URL(req.url);
  const headers: Record<string, string> = {};
  for (const name of m[5].split(";")) headers[name] = req.headers.get(name) ?? "";
  const amzDate = req.headers.get("x-amz-date") ?? "";
  const date = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:` +
      `${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signer = new SignatureV4({
    service: "firehose",
    region: m[3],
    credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET },
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: req.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: {},
    headers,
    body,
  }, { signingDate: date });
  return String(signed.headers.authorization ?? signed.headers.Authorization) === auth;
}

interface Batch {
  stream: string;
  records: string[];
}

/**
 * A stand-in for Firehose's PutRecordBatch: checks the signature and target, records the batches
 * it accepts; `plan` may throttle a request or fail some records of it.
 */
function standIn(plan: (n: number, records: string[]) => "throttle" | number[] | undefined = () => undefined) {
  const accepted: Batch[] = [];
  const problems: string[] = [];
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.text();
    if (!(await signatureValid(req, body))) {
      problems.push("bad signature");
      return Response.json({ __type: "InvalidSignatureException", message: "bad signature" }, { status: 400 });
    }
    if (req.headers.get("x-amz-target") !== "Firehose_20150804.PutRecordBatch") problems.push("wrong target");
    const doc = JSON.parse(body) as { DeliveryStreamName: string; Records: { Data: string }[] };
    const records = doc.Records.map((r) => new TextDecoder().decode(Uint8Array.fromBase64(r.Data)));
    const decision = plan(requests++, records);
    if (decision === "throttle") {
      return Response.json({ __type: "ServiceUnavailableException", message: "Slow down." }, { status: 400 });
    }
    const failing = new Set(decision ?? []);
    accepted.push({ stream: doc.DeliveryStreamName, records: records.filter((_, i) => !failing.has(i)) });
    return Response.json({
      FailedPutCount: failing.size,
      RequestResponses: records.map((_, i) =>
        failing.has(i) ? { ErrorCode: "ServiceUnavailableException", ErrorMessage: "busy" } : { RecordId: `r${i}` }
      ),
    });
  });
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    accepted,
    problems,
    get requests() {
      return requests;
    },
    close: () => server.shutdown(),
  };
}

/** A test with a fresh stand-in (answering as `plan` says), shut down afterwards. */
function standInTest(
  name: string,
  fn: (fake: ReturnType<typeof standIn>) => Promise<void>,
  plan?: Parameters<typeof standIn>[0],
): void {
  peerTest(name, () => standIn(plan), fn);
}

function line(i: number): string {
  return JSON.stringify({ name: "q", hostIdentifier: "h", unixTime: 1700000000 + i, columns: { i: String(i) } });
}

function flagsFor(endpoint: string): Record<string, string> {
  return {
    aws_firehose_endpoint: endpoint,
    aws_firehose_stream: "osq-stream",
    aws_access_key_id: KEY_ID,
    aws_secret_access_key: SECRET,
    aws_region: "eu-west-1",
  };
}

standInTest(
  "aws_firehose: signed PutRecordBatch requests carry each line with log_type and a newline",
  async (fake) => {
    await withLogger(flagsFor(fake.endpoint), () => new FirehoseLogger({ periodMs: 3_600_000 }), async (logger) => {
      await logger.logLines("result", [line(1), "not json", line(2)], 1n);
    });
    assertEquals(fake.problems, []);
    assertEquals(fake.accepted, [{
      stream: "osq-stream",
      records: [line(1), line(2)].map((l) => l.slice(0, -1) + ',"log_type":"result"}\n'),
    }]);
  },
);

standInTest("aws_firehose: batches stay within 500 records and 4,000,000 bytes", async (fake) => {
  await withLogger(flagsFor(fake.endpoint), () => new FirehoseLogger({ periodMs: 3_600_000 }), async (logger) => {
    const pad = "x".repeat(20_000);
    const lines = Array.from({ length: 700 }, (_, i) => JSON.stringify({ name: "q", i, pad }));
    await logger.logLines("result", lines, 1n);
  });
  assert(fake.accepted.length >= 4, `${fake.accepted.length} batches`);
  for (const b of fake.accepted) {
    assert(b.records.length <= 500);
    assert(b.records.reduce((n, r) => n + new TextEncoder().encode(r).length, 0) < 4_000_000);
  }
  assertEquals(fake.accepted.flatMap((b) => b.records).map((r) => JSON.parse(r).i), [...Array(700).keys()]);
});

standInTest(
  "aws_firehose: throttling backs off and failed records are sent again, accepted ones not twice",
  async (fake) => {
    await withLogger(
      flagsFor(fake.endpoint),
      () => new FirehoseLogger({ periodMs: 3_600_000, backoffMs: 10 }),
      async (logger) => {
        await logger.logLines("result", [0, 1, 2, 3, 4].map(line), 1n);
      },
    );
    assertEquals(fake.requests, 3);
    const got = fake.accepted.flatMap((b) => b.records).map((r) => JSON.parse(r).columns.i);
    assertEquals(got.sort(), ["0", "1", "2", "3", "4"]);
  },
  // Request 0 throttled, request 1 fails records 1 and 3, request 2 takes the rest.
  (n) => (n === 0 ? "throttle" : n === 1 ? [1, 3] : undefined),
);

Deno.test({
  name: "aws_firehose: when Firehose keeps failing the entry stays in the outbox and later goes once",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    let down = true;
    const fake = standIn((_n, records) => (down ? records.map((_, i) => i).filter((i) => i > 0) : undefined));
    const store = await openStore(":memory:");
    try {
      await withLogger(
        flagsFor(fake.endpoint),
        () => new FirehoseLogger({ store, periodMs: 3_600_000, attempts: 2, backoffMs: 10 }),
        async (logger) => {
          await commitLines(store, "q", [line(1), line(2), line(3)]);
          await assertRejects(() => drainOutbox(store, [logger]), AwsError);
          down = false;
          assertEquals(await drainOutbox(store, [logger]), 1);
        },
      );
      const got = fake.accepted.flatMap((b) => b.records).map((r) => JSON.parse(r).columns.i);
      assertEquals(got, ["1", "2", "3"]);
    } finally {
      store.close();
      await fake.close();
    }
  },
});

standInTest(
  "aws_firehose: status logs go with log_type status; a wrong secret is refused by the signature check",
  async (fake) => {
    await withLogger(
      flagsFor(fake.endpoint),
      () => new FirehoseLogger({ context: { hostIdentifier: () => "host-f" }, periodMs: 3_600_000 }),
      async (logger) => {
        logger.logStatus({ severity: Severity.ERROR, message: "boom", file: "x.ts", line: 3, time: new Date() });
        await logger.flushStatus();
      },
    );
    const status = JSON.parse(fake.accepted[0].records[0]);
    assertEquals([status.hostIdentifier, status.message, status.log_type], ["host-f", "boom", "status"]);
    await withLogger(
      { ...flagsFor(fake.endpoint), aws_secret_access_key: "wrong" },
      () => new FirehoseLogger({ periodMs: 3_600_000, attempts: 1 }),
      async (logger) => {
        await assertRejects(() => logger.logLines("result", [line(9)], 1n), AwsError, "InvalidSignatureException");
      },
    );
    assertEquals(fake.problems, ["bad signature"]);
  },
);

standInTest(
  "aws_firehose: with --aws_enable_proxy requests go through --aws_proxy_host:--aws_proxy_port",
  async (fake) => {
    // The stand-in acts as the HTTP proxy: the endpoint's own host does not exist.
    const port = new URL(fake.endpoint).port;
    await withLogger(
      {
        ...flagsFor("http://firehose.invalid:4573"),
        aws_enable_proxy: "true",
        aws_proxy_scheme: "http",
        aws_proxy_host: "127.0.0.1",
        aws_proxy_port: port,
      },
      () => new FirehoseLogger({ periodMs: 3_600_000, attempts: 1 }),
      async (logger) => {
        await logger.logLines("result", [line(1)], 1n);
      },
    );
    assertEquals(fake.problems, []);
    assertEquals(fake.accepted.length, 1);
  },
);
