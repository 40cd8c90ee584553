/**
 * librdkafka (Debian `librdkafka1`, the library osquery's kafka_producer links) over Deno FFI:
 * a producer whose delivery reports arrive as events on its main queue (no callbacks into
 * JavaScript from librdkafka's threads), a consumer assigned to explicit partitions and
 * offsets (to read back what was delivered), metadata and watermarks, and librdkafka's own
 * mock cluster for tests.
 *
 * Calls that wait (polls with a timeout, metadata, watermarks, flush) run off the JavaScript
 * thread (`nonblocking`), so the daemon keeps its timers and sockets while Kafka answers.
 *
 * @module
 */

const LIBRARY = "librdkafka.so.1";

const symbols = {
  rd_kafka_version_str: { parameters: [], result: "pointer" },
  rd_kafka_conf_new: { parameters: [], result: "pointer" },
  rd_kafka_conf_destroy: { parameters: ["pointer"], result: "void" },
  rd_kafka_conf_set: { parameters: ["pointer", "buffer", "buffer", "buffer", "usize"], result: "i32" },
  rd_kafka_conf_set_events: { parameters: ["pointer", "i32"], result: "void" },
  rd_kafka_new: { parameters: ["i32", "pointer", "buffer", "usize"], result: "pointer" },
  rd_kafka_destroy: { parameters: ["pointer"], result: "void", nonblocking: true },
  rd_kafka_topic_new: { parameters: ["pointer", "buffer", "pointer"], result: "pointer" },
  rd_kafka_topic_destroy: { parameters: ["pointer"], result: "void" },
  rd_kafka_produce: {
    parameters: ["pointer", "i32", "i32", "buffer", "usize", "buffer", "usize", "pointer"],
    result: "i32",
  },
  rd_kafka_last_error: { parameters: [], result: "i32" },
  rd_kafka_err2str: { parameters: ["i32"], result: "pointer" },
  rd_kafka_queue_get_main: { parameters: ["pointer"], result: "pointer" },
  rd_kafka_queue_destroy: { parameters: ["pointer"], result: "void" },
  queue_poll_wait: {
    name: "rd_kafka_queue_poll",
    parameters: ["pointer", "i32"],
    result: "pointer",
    nonblocking: true,
  },
  rd_kafka_queue_poll: { parameters: ["pointer", "i32"], result: "pointer" },
  rd_kafka_event_type: { parameters: ["pointer"], result: "i32" },
  rd_kafka_event_message_next: { parameters: ["pointer"], result: "pointer" },
  rd_kafka_event_error: { parameters: ["pointer"], result: "i32" },
  rd_kafka_event_error_string: { parameters: ["pointer"], result: "pointer" },
  rd_kafka_event_destroy: { parameters: ["pointer"], result: "void" },
  rd_kafka_outq_len: { parameters: ["pointer"], result: "i32" },
  rd_kafka_flush: { parameters: ["pointer", "i32"], result: "i32", nonblocking: true },
  rd_kafka_query_watermark_offsets: {
    parameters: ["pointer", "buffer", "i32", "buffer", "buffer", "i32"],
    result: "i32",
    nonblocking: true,
  },
  rd_kafka_metadata: { parameters: ["pointer", "i32", "pointer", "buffer", "i32"], result: "i32", nonblocking: true },
  rd_kafka_metadata_destroy: { parameters: ["pointer"], result: "void" },
  rd_kafka_topic_partition_list_new: { parameters: ["i32"], result: "pointer" },
  rd_kafka_topic_partition_list_add: { parameters: ["pointer", "buffer", "i32"], result: "pointer" },
  rd_kafka_topic_partition_list_set_offset: { parameters: ["pointer", "buffer", "i32", "i64"], result: "i32" },
  rd_kafka_topic_partition_list_destroy: { parameters: ["pointer"], result: "void" },
  rd_kafka_assign: { parameters: ["pointer", "pointer"], result: "i32" },
  rd_kafka_poll_set_consumer: { parameters: ["pointer"], result: "i32" },
  rd_kafka_consumer_poll: { parameters: ["pointer", "i32"], result: "pointer", nonblocking: true },
  consumer_poll_now: { name: "rd_kafka_consumer_poll", parameters: ["pointer", "i32"], result: "pointer" },
  rd_kafka_message_destroy: { parameters: ["pointer"], result: "void" },
  rd_kafka_consumer_close: { parameters: ["pointer"], result: "i32", nonblocking: true },
  rd_kafka_mock_cluster_new: { parameters: ["pointer", "i32"], result: "pointer" },
  rd_kafka_mock_cluster_destroy: { parameters: ["pointer"], result: "void" },
  rd_kafka_mock_cluster_bootstraps: { parameters: ["pointer"], result: "pointer" },
  rd_kafka_mock_topic_create: { parameters: ["pointer", "buffer", "i32", "i32"], result: "i32" },
  rd_kafka_mock_broker_set_down: { parameters: ["pointer", "i32"], result: "i32" },
  rd_kafka_mock_broker_set_up: { parameters: ["pointer", "i32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

type Lib = Deno.DynamicLibrary<typeof symbols>["symbols"];

/** Raised when librdkafka is missing or refuses a setting or request. */
export class KafkaError extends Error {
  /** librdkafka's error code, when there is one. */
  readonly code: number;
  constructor(message: string, code = 0) {
    super(message);
    this.name = "KafkaError";
    this.code = code;
  }
}

let lib: Lib | undefined;

/** librdkafka's symbols, loaded once; a missing library is an error naming the Debian package. */
export function rdkafka(): Lib {
  if (lib) return lib;
  try {
    lib = Deno.dlopen(LIBRARY, symbols).symbols;
  } catch (err) {
    throw new KafkaError(
      `The kafka_producer logger needs librdkafka: install the Debian package librdkafka1 (${(err as Error).message}).`,
    );
  }
  return lib;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function cstr(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text + "\0");
}

function readCString(ptr: Deno.PointerValue): string {
  return ptr === null ? "" : Deno.UnsafePointerView.getCString(ptr);
}

/** librdkafka's text for an error code. */
export function errorText(code: number): string {
  return readCString(rdkafka().rd_kafka_err2str(code));
}

/** The librdkafka version, e.g. "2.0.2". */
export function kafkaVersion(): string {
  return readCString(rdkafka().rd_kafka_version_str());
}

/** librdkafka error codes osq acts on. */
export const KafkaErr = {
  NO_ERROR: 0,
  PARTITION_EOF: -191,
  MSG_TIMED_OUT: -192,
  QUEUE_FULL: -184,
  UNKNOWN_PARTITION: -190,
} as const;

const EVENT_DR = 0x1;
const EVENT_ERROR = 0x8;
const PARTITION_UA = -1;
const MSG_F_COPY = 0x2;

/** A message as a delivery report or a consumer hands it over. */
export interface KafkaMessage {
  err: number;
  partition: number;
  offset: bigint;
  key: Uint8Array;
  payload: Uint8Array;
  /** The producer's per-message id (delivery reports only). */
  id: bigint;
}

function readMessage(ptr: Deno.PointerObject): KafkaMessage {
  const v = new Deno.UnsafePointerView(ptr);
  const bytes = (at: number, lenAt: number): Uint8Array => {
    const p = v.getPointer(at);
    const len = Number(v.getBigUint64(lenAt));
    return p === null || len === 0
      ? new Uint8Array(0)
      : new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(p, len).slice(0));
  };
  const opaque = v.getPointer(64);
  return {
    err: v.getInt32(0),
    partition: v.getInt32(16),
    payload: bytes(24, 32),
    key: bytes(40, 48),
    offset: v.getBigInt64(56),
    id: opaque === null ? 0n : BigInt(Deno.UnsafePointer.value(opaque)),
  };
}

/** Creates a configuration from `properties`; throws naming the property librdkafka refused. */
function makeConf(properties: Record<string, string>): Deno.PointerObject {
  const l = rdkafka();
  const conf = l.rd_kafka_conf_new();
  if (conf === null) throw new KafkaError("librdkafka could not allocate a configuration.");
  const err = new Uint8Array(512);
  for (const [key, value] of Object.entries(properties)) {
    if (l.rd_kafka_conf_set(conf, cstr(key), cstr(value), err, BigInt(err.length)) !== 0) {
      l.rd_kafka_conf_destroy(conf);
      throw new KafkaError(`Kafka refused the setting ${key}=${value}: ${readCString(Deno.UnsafePointer.of(err))}`);
    }
  }
  return conf;
}

function newHandle(type: 0 | 1, conf: Deno.PointerObject): Deno.PointerObject {
  const err = new Uint8Array(512);
  const rk = rdkafka().rd_kafka_new(type, conf, err, BigInt(err.length));
  if (rk === null) {
    rdkafka().rd_kafka_conf_destroy(conf);
    throw new KafkaError(
      `librdkafka could not create a ${type === 0 ? "producer" : "consumer"}: ${
        readCString(Deno.UnsafePointer.of(err))
      }`,
    );
  }
  return rk;
}

/** Partition counts of topics, from the cluster's metadata. */
async function partitionCount(rk: Deno.PointerObject, topic: Deno.PointerObject, timeoutMs: number): Promise<number> {
  const out = new BigUint64Array(1);
  const code = await rdkafka().rd_kafka_metadata(rk, 0, topic, out, timeoutMs);
  if (code !== 0) throw new KafkaError(`Kafka metadata request failed: ${errorText(code)}`, code);
  const md = Deno.UnsafePointer.create(out[0]);
  if (md === null) return 0;
  try {
    const v = new Deno.UnsafePointerView(md);
    const topics = v.getInt32(16);
    const list = v.getPointer(24);
    if (topics < 1 || list === null) return 0;
    const t = new Deno.UnsafePointerView(list);
    const err = t.getInt32(24);
    if (err !== 0) throw new KafkaError(`Kafka metadata for the topic: ${errorText(err)}`, err);
    return t.getInt32(8);
  } finally {
    rdkafka().rd_kafka_metadata_destroy(md);
  }
}

async function watermarks(
  rk: Deno.PointerObject,
  topic: string,
  partition: number,
  timeoutMs: number,
): Promise<{ low: bigint; high: bigint }> {
  const low = new BigInt64Array(1);
  const high = new BigInt64Array(1);
  const code = await rdkafka().rd_kafka_query_watermark_offsets(
    rk,
    cstr(topic),
    partition,
    new Uint8Array(low.buffer),
    new Uint8Array(high.buffer),
    timeoutMs,
  );
  if (code !== 0) throw new KafkaError(`Kafka offsets of ${topic}/${partition}: ${errorText(code)}`, code);
  return { low: low[0], high: high[0] };
}

/** A delivery's outcome: `err` 0 and the offset the broker gave it, or the error. */
export interface Delivery {
  err: number;
  partition: number;
  offset: bigint;
}

/**
 * A producer. {@linkcode produce} queues a message and returns a promise settled by its
 * delivery report (which {@linkcode KafkaProducer} polls for while messages are in flight).
 */
export class KafkaProducer {
  readonly #rk: Deno.PointerObject;
  readonly #queue: Deno.PointerObject;
  readonly #topics = new Map<string, Deno.PointerObject>();
  readonly #waiting = new Map<bigint, (d: Delivery) => void>();
  #nextId = 1n;
  #polling: Promise<void> | undefined;
  #closed = false;
  /** The last error event librdkafka reported (e.g. all brokers down), for error messages. */
  lastError = "";

  constructor(properties: Record<string, string>) {
    const conf = makeConf(properties);
    rdkafka().rd_kafka_conf_set_events(conf, EVENT_DR | EVENT_ERROR);
    this.#rk = newHandle(0, conf);
    this.#queue = rdkafka().rd_kafka_queue_get_main(this.#rk)!;
  }

  /** The underlying handle (for the mock cluster in tests). */
  get handle(): Deno.PointerObject {
    return this.#rk;
  }

  #topic(name: string): Deno.PointerObject {
    let t = this.#topics.get(name);
    if (!t) {
      const made = rdkafka().rd_kafka_topic_new(this.#rk, cstr(name), null);
      if (made === null) {
        throw new KafkaError(
          `Kafka topic '${name}' could not be created: ${errorText(rdkafka().rd_kafka_last_error())}`,
        );
      }
      this.#topics.set(name, t = made);
    }
    return t;
  }

  /** Messages queued and not yet reported. */
  get inFlight(): number {
    return this.#waiting.size;
  }

  /**
   * Queues one message (librdkafka copies it) to the partition its key hashes to; resolves
   * with the delivery report. Waits while librdkafka's queue is full.
   */
  async produce(topic: string, key: Uint8Array, payload: Uint8Array): Promise<Delivery> {
    if (this.#closed) throw new KafkaError("The Kafka producer is closed.");
    const t = this.#topic(topic);
    const id = this.#nextId++;
    const done = new Promise<Delivery>((resolve) => this.#waiting.set(id, resolve));
    const keyBuf = key.length ? key as Uint8Array<ArrayBuffer> : null;
    for (;;) {
      const rc = rdkafka().rd_kafka_produce(
        t,
        PARTITION_UA,
        MSG_F_COPY,
        payload as Uint8Array<ArrayBuffer>,
        BigInt(payload.length),
        keyBuf,
        BigInt(key.length),
        Deno.UnsafePointer.create(id),
      );
      if (rc === 0) break;
      const code = rdkafka().rd_kafka_last_error();
      if (code !== KafkaErr.QUEUE_FULL) {
        this.#waiting.delete(id);
        throw new KafkaError(`Kafka did not take a message for topic '${topic}': ${errorText(code)}`, code);
      }
      this.#startPolling();
      await this.#pollOnce(100);
    }
    this.#startPolling();
    return await done;
  }

  #startPolling(): void {
    if (this.#polling || this.#closed) return;
    this.#polling = (async () => {
      while (this.#waiting.size > 0 && !this.#closed) await this.#pollOnce(100);
    })().finally(() => (this.#polling = undefined));
  }

  async #pollOnce(timeoutMs: number): Promise<void> {
    const ev = await rdkafka().queue_poll_wait(this.#queue, timeoutMs);
    if (ev !== null) this.#handle(ev);
    // Drain what else is ready without waiting.
    for (
      let e = rdkafka().rd_kafka_queue_poll(this.#queue, 0);
      e !== null;
      e = rdkafka().rd_kafka_queue_poll(this.#queue, 0)
    ) {
      this.#handle(e);
    }
  }

  #handle(ev: Deno.PointerObject): void {
    const l = rdkafka();
    try {
      const type = l.rd_kafka_event_type(ev);
      if (type === EVENT_DR) {
        for (let m = l.rd_kafka_event_message_next(ev); m !== null; m = l.rd_kafka_event_message_next(ev)) {
          const msg = readMessageHead(m);
          const resolve = this.#waiting.get(msg.id);
          this.#waiting.delete(msg.id);
          resolve?.({ err: msg.err, partition: msg.partition, offset: msg.offset });
        }
      } else if (type === EVENT_ERROR) {
        this.lastError = readCString(l.rd_kafka_event_error_string(ev));
      }
    } finally {
      l.rd_kafka_event_destroy(ev);
    }
  }

  /** Number of partitions of `topic` (asks the cluster). */
  partitions(topic: string, timeoutMs = 10_000): Promise<number> {
    return partitionCount(this.#rk, this.#topic(topic), timeoutMs);
  }

  /** Low and high watermark of a partition (asks its leader). */
  watermarks(topic: string, partition: number, timeoutMs = 10_000): Promise<{ low: bigint; high: bigint }> {
    return watermarks(this.#rk, topic, partition, timeoutMs);
  }

  /**
   * Stops: waits up to `timeoutMs` for queued messages, then frees the handle. Messages still
   * unreported are settled as timed out.
   */
  async close(timeoutMs = 3000): Promise<void> {
    if (this.#closed) return;
    if (this.#waiting.size) {
      const end = Date.now() + timeoutMs;
      while (this.#waiting.size && Date.now() < end) await (this.#polling ?? this.#pollOnce(100));
    }
    this.#closed = true;
    await this.#polling;
    for (const resolve of this.#waiting.values()) resolve({ err: KafkaErr.MSG_TIMED_OUT, partition: -1, offset: -1n });
    this.#waiting.clear();
    for (const t of this.#topics.values()) rdkafka().rd_kafka_topic_destroy(t);
    this.#topics.clear();
    rdkafka().rd_kafka_queue_destroy(this.#queue);
    await rdkafka().rd_kafka_flush(this.#rk, 0);
    await rdkafka().rd_kafka_destroy(this.#rk);
  }
}

/** Reads only the fixed part of a delivery report (payload not copied). */
function readMessageHead(ptr: Deno.PointerObject): { err: number; partition: number; offset: bigint; id: bigint } {
  const v = new Deno.UnsafePointerView(ptr);
  const opaque = v.getPointer(64);
  return {
    err: v.getInt32(0),
    partition: v.getInt32(16),
    offset: v.getBigInt64(56),
    id: opaque === null ? 0n : BigInt(Deno.UnsafePointer.value(opaque)),
  };
}

/** Where to start reading: a partition of a topic and the first offset. */
export interface KafkaStart {
  topic: string;
  partition: number;
  offset: bigint;
}

/** A consumer assigned to explicit partitions (no group membership, no offset commits). */
export class KafkaConsumer {
  readonly #rk: Deno.PointerObject;
  #closed = false;

  constructor(properties: Record<string, string>) {
    const conf = makeConf({
      "group.id": `osq-readback-${crypto.randomUUID()}`,
      "enable.auto.commit": "false",
      "enable.auto.offset.store": "false",
      "enable.partition.eof": "true",
      ...properties,
    });
    this.#rk = newHandle(1, conf);
    rdkafka().rd_kafka_poll_set_consumer(this.#rk);
  }

  /** Reads from these partitions and offsets (replacing an earlier assignment). */
  assign(starts: KafkaStart[]): void {
    const l = rdkafka();
    const list = l.rd_kafka_topic_partition_list_new(Math.max(1, starts.length))!;
    try {
      for (const s of starts) {
        l.rd_kafka_topic_partition_list_add(list, cstr(s.topic), s.partition);
        l.rd_kafka_topic_partition_list_set_offset(list, cstr(s.topic), s.partition, s.offset);
      }
      const code = l.rd_kafka_assign(this.#rk, list);
      if (code !== 0) throw new KafkaError(`Kafka consumer assignment failed: ${errorText(code)}`, code);
    } finally {
      l.rd_kafka_topic_partition_list_destroy(list);
    }
  }

  /** The next message or partition-end marker, or undefined when none came within `timeoutMs`. */
  async poll(timeoutMs: number): Promise<KafkaMessage | undefined> {
    // A message already fetched is taken without a thread hop; only an empty queue waits.
    const m = rdkafka().consumer_poll_now(this.#rk, 0) ?? await rdkafka().rd_kafka_consumer_poll(this.#rk, timeoutMs);
    if (m === null) return undefined;
    try {
      return readMessage(m);
    } finally {
      rdkafka().rd_kafka_message_destroy(m);
    }
  }

  /** Number of partitions of `topic`. */
  partitions(topic: string, timeoutMs = 10_000): Promise<number> {
    const t = rdkafka().rd_kafka_topic_new(this.#rk, cstr(topic), null);
    if (t === null) throw new KafkaError(`Kafka topic '${topic}' could not be opened.`);
    return partitionCount(this.#rk, t, timeoutMs).finally(() => rdkafka().rd_kafka_topic_destroy(t));
  }

  /** Low and high watermark of a partition. */
  watermarks(topic: string, partition: number, timeoutMs = 10_000): Promise<{ low: bigint; high: bigint }> {
    return watermarks(this.#rk, topic, partition, timeoutMs);
  }

  /**
   * Every message of the given partitions from their start offsets (or the oldest one the
   * broker still keeps) up to each one's high watermark at the time of the call. Throws when that takes longer than `timeoutMs`.
   */
  async readUpToEnd(starts: KafkaStart[], timeoutMs = 30_000): Promise<(KafkaMessage & { topic: string })[]> {
    const ends = new Map<string, bigint>();
    const wanted: KafkaStart[] = [];
    for (const s of starts) {
      const { low, high } = await this.watermarks(s.topic, s.partition, timeoutMs);
      // Messages before the low watermark are gone (retention): read from the oldest one kept.
      const from = s.offset < low ? low : s.offset;
      if (high > from) {
        ends.set(`${s.topic}\0${s.partition}`, high);
        wanted.push({ ...s, offset: from });
      }
    }
    const out: (KafkaMessage & { topic: string })[] = [];
    if (!wanted.length) return out;
    // One partition at a time: the message struct names its topic by handle, not by name.
    for (const s of wanted) {
      this.assign([s]);
      const end = ends.get(`${s.topic}\0${s.partition}`)!;
      const deadline = Date.now() + timeoutMs;
      let next = s.offset;
      while (next < end) {
        if (Date.now() > deadline) {
          throw new KafkaError(`Reading ${s.topic}/${s.partition} back from Kafka took longer than ${timeoutMs} ms.`);
        }
        const m = await this.poll(200);
        if (!m) continue;
        if (m.err === KafkaErr.PARTITION_EOF) continue;
        if (m.err !== 0) throw new KafkaError(`Reading back from Kafka: ${errorText(m.err)}`, m.err);
        if (m.partition !== s.partition || m.offset < next) continue;
        out.push({ ...m, topic: s.topic });
        next = m.offset + 1n;
      }
    }
    this.assign([]);
    return out;
  }

  /** Leaves and frees the handle. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await rdkafka().rd_kafka_consumer_close(this.#rk);
    await rdkafka().rd_kafka_destroy(this.#rk);
  }
}

/**
 * librdkafka's mock cluster: real Kafka protocol brokers on loopback inside this process
 * (for tests and benchmarks). Other processes reach it through {@linkcode bootstraps}.
 */
export class KafkaMockCluster {
  readonly #owner: KafkaProducer;
  readonly #cluster: Deno.PointerObject;
  /** `host:port,...` of the mock brokers. */
  readonly bootstraps: string;
  readonly brokers: number;

  constructor(brokers = 1) {
    // The cluster lives in a client handle of its own.
    this.#owner = new KafkaProducer({ "bootstrap.servers": "", "log_level": "0" });
    const c = rdkafka().rd_kafka_mock_cluster_new(this.#owner.handle, brokers);
    if (c === null) throw new KafkaError("librdkafka could not start a mock cluster.");
    this.#cluster = c;
    this.brokers = brokers;
    this.bootstraps = readCString(rdkafka().rd_kafka_mock_cluster_bootstraps(c));
  }

  /** Creates a topic with `partitions` partitions. */
  createTopic(name: string, partitions = 1, replication = 1): void {
    const code = rdkafka().rd_kafka_mock_topic_create(this.#cluster, cstr(name), partitions, replication);
    if (code !== 0) throw new KafkaError(`Mock topic '${name}': ${errorText(code)}`, code);
  }

  /** Takes broker `id` (1-based) down: connections are closed and new ones refused. */
  brokerDown(id: number): void {
    rdkafka().rd_kafka_mock_broker_set_down(this.#cluster, id);
  }

  /** Brings broker `id` back. */
  brokerUp(id: number): void {
    rdkafka().rd_kafka_mock_broker_set_up(this.#cluster, id);
  }

  /** Stops the brokers. */
  async close(): Promise<void> {
    rdkafka().rd_kafka_mock_cluster_destroy(this.#cluster);
    await this.#owner.close(0);
  }
}

/** Text of a message's bytes. */
export function text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
