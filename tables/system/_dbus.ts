/**
 * A small, synchronous D-Bus client: the wire format (marshalling by type signature), SASL
 * EXTERNAL authentication, and pipelined method calls over a blocking unix socket (libc over
 * FFI, because table generators run synchronously inside SQLite callbacks).
 *
 * It is what systemd_units and startup_items use to ask systemd for its units, the way osquery
 * does (osquery links libdbus). We speak to systemd's private socket (/run/systemd/private, root
 * only, no bus daemon needed) and fall back to the system bus.
 *
 * @module
 */
import { libc } from "./_libc.ts";

/** A decoded D-Bus value: numbers (64-bit ones as bigint past 2^53), strings, booleans, arrays, structs as arrays. */
export type DBusValue = number | bigint | string | boolean | DBusValue[] | DBusVariant;

/** A variant: its signature and value. */
export interface DBusVariant {
  signature: string;
  value: DBusValue;
}

/** Raised on malformed wire data (a message we cannot decode). */
export class DBusFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DBusFormatError";
  }
}

/** Message types. */
export const MESSAGE_TYPE = { METHOD_CALL: 1, METHOD_RETURN: 2, ERROR: 3, SIGNAL: 4 } as const;

const HEADER_FIELD = { PATH: 1, INTERFACE: 2, MEMBER: 3, ERROR_NAME: 4, REPLY_SERIAL: 5, DESTINATION: 6, SIGNATURE: 8 };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function alignmentOf(code: string): number {
  switch (code) {
    case "y":
    case "g":
    case "v":
      return 1;
    case "n":
    case "q":
      return 2;
    case "x":
    case "t":
    case "d":
    case "(":
    case "{":
      return 8;
    default:
      return 4;
  }
}

/** Splits a signature into its complete types ("sa(ss)u" → ["s", "a(ss)", "u"]). */
export function splitSignature(signature: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < signature.length) {
    const end = completeTypeEnd(signature, i);
    out.push(signature.slice(i, end));
    i = end;
  }
  return out;
}

function completeTypeEnd(sig: string, start: number): number {
  const c = sig[start];
  if (c === undefined) throw new DBusFormatError("Signature ends inside a type.");
  if (c === "a") return completeTypeEnd(sig, start + 1);
  if (c === "(" || c === "{") {
    const close = c === "(" ? ")" : "}";
    let i = start + 1;
    while (sig[i] !== close) {
      if (i >= sig.length) throw new DBusFormatError(`Unclosed ${c} in signature ${sig}.`);
      i = completeTypeEnd(sig, i);
    }
    return i + 1;
  }
  if (!"ybnqiuxtdsoghv".includes(c)) throw new DBusFormatError(`Unknown type code ${c} in signature ${sig}.`);
  return start + 1;
}

/** Serialises values by signature (little-endian). */
export class DBusWriter {
  #buf = new Uint8Array(256);
  #view = new DataView(this.#buf.buffer);
  length = 0;

  #ensure(n: number): void {
    if (this.length + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.length + n));
    next.set(this.#buf);
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  /** Pads with zeros to a multiple of `n`. */
  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.#ensure(pad);
    this.#buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  /** Appends raw bytes. */
  raw(bytes: Uint8Array): void {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  u8(v: number): void {
    this.#ensure(1);
    this.#buf[this.length++] = v;
  }

  u32(v: number): void {
    this.align(4);
    this.#ensure(4);
    this.#view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
  }

  /** Overwrites a u32 written earlier (array lengths). */
  patchU32(at: number, v: number): void {
    this.#view.setUint32(at, v, true);
  }

  /** Writes one complete type. */
  value(sig: string, v: DBusValue): void {
    const c = sig[0];
    switch (c) {
      case "y":
        return this.u8(Number(v));
      case "b":
        return this.u32(v ? 1 : 0);
      case "n":
      case "q":
        this.align(2);
        this.#ensure(2);
        this.#view.setUint16(this.length, Number(v) & 0xffff, true);
        this.length += 2;
        return;
      case "i":
      case "u":
      case "h":
        return this.u32(Number(v));
      case "x":
      case "t":
        this.align(8);
        this.#ensure(8);
        this.#view.setBigUint64(this.length, BigInt.asUintN(64, BigInt(v as number | bigint)), true);
        this.length += 8;
        return;
      case "d":
        this.align(8);
        this.#ensure(8);
        this.#view.setFloat64(this.length, Number(v), true);
        this.length += 8;
        return;
      case "s":
      case "o": {
        const bytes = encoder.encode(String(v));
        this.u32(bytes.length);
        this.raw(bytes);
        return this.u8(0);
      }
      case "g": {
        const bytes = encoder.encode(String(v));
        this.u8(bytes.length);
        this.raw(bytes);
        return this.u8(0);
      }
      case "v": {
        const variant = v as DBusVariant;
        this.value("g", variant.signature);
        return this.value(variant.signature, variant.value);
      }
      case "a": {
        const element = sig.slice(1);
        this.u32(0);
        const lengthAt = this.length - 4;
        this.align(alignmentOf(element[0]));
        const start = this.length;
        for (const item of v as DBusValue[]) this.value(element, item);
        this.patchU32(lengthAt, this.length - start);
        return;
      }
      case "(":
      case "{": {
        this.align(8);
        const members = splitSignature(sig.slice(1, -1));
        const values = v as DBusValue[];
        members.forEach((m, i) => this.value(m, values[i]));
        return;
      }
      default:
        throw new DBusFormatError(`Cannot write type ${sig}.`);
    }
  }

  /** The bytes written so far. */
  bytes(): Uint8Array {
    return this.#buf.slice(0, this.length);
  }
}

/** Reads values by signature from a message, aligning relative to the message start. */
export class DBusReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #little: boolean;
  pos: number;

  constructor(bytes: Uint8Array, pos = 0, littleEndian = true) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#little = littleEndian;
    this.pos = pos;
  }

  #need(n: number): void {
    if (this.pos + n > this.#bytes.length) throw new DBusFormatError("Message ends inside a value.");
  }

  align(n: number): void {
    this.pos += (n - (this.pos % n)) % n;
  }

  u8(): number {
    this.#need(1);
    return this.#bytes[this.pos++];
  }

  u32(): number {
    this.align(4);
    this.#need(4);
    const v = this.#view.getUint32(this.pos, this.#little);
    this.pos += 4;
    return v;
  }

  #text(length: number): string {
    this.#need(length + 1);
    const s = decoder.decode(this.#bytes.subarray(this.pos, this.pos + length));
    this.pos += length + 1;
    return s;
  }

  /** Reads one complete type. */
  value(sig: string): DBusValue {
    const c = sig[0];
    switch (c) {
      case "y":
        return this.u8();
      case "b":
        return this.u32() !== 0;
      case "n":
      case "q": {
        this.align(2);
        this.#need(2);
        const v = c === "n"
          ? this.#view.getInt16(this.pos, this.#little)
          : this.#view.getUint16(this.pos, this.#little);
        this.pos += 2;
        return v;
      }
      case "i": {
        const u = this.u32();
        return u | 0;
      }
      case "u":
      case "h":
        return this.u32();
      case "x":
      case "t": {
        this.align(8);
        this.#need(8);
        const big = c === "x"
          ? this.#view.getBigInt64(this.pos, this.#little)
          : this.#view.getBigUint64(this.pos, this.#little);
        this.pos += 8;
        return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big;
      }
      case "d": {
        this.align(8);
        this.#need(8);
        const v = this.#view.getFloat64(this.pos, this.#little);
        this.pos += 8;
        return v;
      }
      case "s":
      case "o":
        return this.#text(this.u32());
      case "g":
        return this.#text(this.u8());
      case "v": {
        const signature = this.value("g") as string;
        splitSignature(signature); // validates
        return { signature, value: this.value(signature) };
      }
      case "a": {
        const length = this.u32();
        const element = sig.slice(1);
        this.align(alignmentOf(element[0]));
        const end = this.pos + length;
        if (end > this.#bytes.length) throw new DBusFormatError("Array runs past the message.");
        const out: DBusValue[] = [];
        while (this.pos < end) out.push(this.value(element));
        return out;
      }
      case "(":
      case "{": {
        this.align(8);
        return splitSignature(sig.slice(1, -1)).map((m) => this.value(m));
      }
      default:
        throw new DBusFormatError(`Cannot read type ${sig}.`);
    }
  }
}

/** A D-Bus message. */
export interface DBusMessage {
  type: number;
  flags: number;
  serial: number;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  signature: string;
  body: DBusValue[];
}

/** Encodes a message (little-endian). */
export function encodeMessage(m: DBusMessage): Uint8Array {
  const body = new DBusWriter();
  const types = splitSignature(m.signature);
  types.forEach((t, i) => body.value(t, m.body[i]));
  const fields: DBusValue[] = [];
  const field = (code: number, signature: string, value: DBusValue | undefined) => {
    if (value !== undefined) fields.push([code, { signature, value }]);
  };
  field(HEADER_FIELD.PATH, "o", m.path);
  field(HEADER_FIELD.INTERFACE, "s", m.interface);
  field(HEADER_FIELD.MEMBER, "s", m.member);
  field(HEADER_FIELD.ERROR_NAME, "s", m.errorName);
  field(HEADER_FIELD.REPLY_SERIAL, "u", m.replySerial);
  field(HEADER_FIELD.DESTINATION, "s", m.destination);
  if (m.signature) field(HEADER_FIELD.SIGNATURE, "g", m.signature);
  const out = new DBusWriter();
  out.u8(0x6c); // 'l': little-endian
  out.u8(m.type);
  out.u8(m.flags);
  out.u8(1); // protocol version
  out.u32(body.length);
  out.u32(m.serial);
  out.value("a(yv)", fields);
  out.align(8);
  out.raw(body.bytes());
  return out.bytes();
}

/** The total length of the message at the start of `data`, or `undefined` until 16 bytes are there. */
export function messageLength(data: Uint8Array): number | undefined {
  if (data.length < 16) return undefined;
  const little = data[0] === 0x6c;
  if (!little && data[0] !== 0x42) throw new DBusFormatError("Unknown byte order in message header.");
  const view = new DataView(data.buffer, data.byteOffset, 16);
  const bodyLength = view.getUint32(4, little);
  const fieldsLength = view.getUint32(12, little);
  const header = 16 + fieldsLength;
  return header + ((8 - (header % 8)) % 8) + bodyLength;
}

/** Decodes one complete message. */
export function decodeMessage(data: Uint8Array): DBusMessage {
  const little = data[0] === 0x6c;
  if (!little && data[0] !== 0x42) throw new DBusFormatError("Unknown byte order in message header.");
  const r = new DBusReader(data, 1, little);
  const type = r.u8();
  const flags = r.u8();
  r.u8(); // version
  const bodyLength = r.u32();
  const serial = r.u32();
  const m: DBusMessage = { type, flags, serial, signature: "", body: [] };
  for (const entry of r.value("a(yv)") as DBusValue[]) {
    const [code, variant] = entry as [number, DBusVariant];
    const v = variant.value;
    if (code === HEADER_FIELD.PATH) m.path = String(v);
    else if (code === HEADER_FIELD.INTERFACE) m.interface = String(v);
    else if (code === HEADER_FIELD.MEMBER) m.member = String(v);
    else if (code === HEADER_FIELD.ERROR_NAME) m.errorName = String(v);
    else if (code === HEADER_FIELD.REPLY_SERIAL) m.replySerial = Number(v);
    else if (code === HEADER_FIELD.DESTINATION) m.destination = String(v);
    else if (code === HEADER_FIELD.SIGNATURE) m.signature = String(v);
  }
  r.align(8);
  const end = r.pos + bodyLength;
  if (end > data.length) throw new DBusFormatError("Message body is truncated.");
  for (const t of splitSignature(m.signature)) m.body.push(r.value(t));
  return m;
}

/** A method call to make. */
export interface MethodCall {
  destination?: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: DBusValue[];
}

/** The outcome of a call: the reply body, or the D-Bus error name. */
export type CallResult = { ok: true; body: DBusValue[] } | { ok: false; error: string };

/** Raised when the bus cannot be reached or stops answering. */
export class DBusConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DBusConnectionError";
  }
}

/** A blocking connection to a D-Bus socket. */
export class DBusConnection {
  readonly #fd: number;
  #serial = 0;
  #pending = new Uint8Array(0);

  private constructor(fd: number) {
    this.#fd = fd;
  }

  /**
   * Connects to a unix socket and authenticates as this process's uid. With `bus`, also registers
   * with the bus daemon (Hello). `undefined` when the socket is absent or refuses us.
   */
  static open(path: string, bus: boolean, timeoutSeconds = 5): DBusConnection | undefined {
    const c = libc();
    if (!c) return undefined;
    try {
      Deno.statSync(path);
    } catch {
      return undefined;
    }
    const fd = c.socket(1, /* AF_UNIX */ 1 /* SOCK_STREAM */ | 0x80000, /* SOCK_CLOEXEC */ 0);
    if (fd < 0) return undefined;
    const conn = new DBusConnection(fd);
    try {
      const timeout = new BigInt64Array([BigInt(timeoutSeconds), 0n]);
      c.setsockopt(fd, 1, /* SOL_SOCKET */ 20, /* SO_RCVTIMEO */ new Uint8Array(timeout.buffer), 16);
      c.setsockopt(fd, 1, 21, /* SO_SNDTIMEO */ new Uint8Array(timeout.buffer), 16);
      const pathBytes = encoder.encode(path);
      if (pathBytes.length >= 108) throw new DBusConnectionError("Socket path too long.");
      const address = new Uint8Array(110);
      address[0] = 1; // sun_family = AF_UNIX (little-endian u16)
      address.set(pathBytes, 2);
      if (c.connect(fd, address, 2 + pathBytes.length + 1) !== 0) throw new DBusConnectionError("connect failed");
      conn.#authenticate();
      if (bus) {
        const [hello] = conn.call([{
          destination: "org.freedesktop.DBus",
          path: "/org/freedesktop/DBus",
          interface: "org.freedesktop.DBus",
          member: "Hello",
        }]);
        if (!hello.ok) throw new DBusConnectionError(hello.error);
      }
      return conn;
    } catch {
      conn.close();
      return undefined;
    }
  }

  #send(bytes: Uint8Array): void {
    const c = libc()!;
    let sent = 0;
    while (sent < bytes.length) {
      const chunk = bytes.slice(sent);
      const n = Number(c.send(this.#fd, chunk, BigInt(chunk.length), 0x4000 /* MSG_NOSIGNAL */));
      if (n <= 0) throw new DBusConnectionError("The D-Bus peer stopped accepting data.");
      sent += n;
    }
  }

  #receive(): void {
    const c = libc()!;
    const buf = new Uint8Array(65536);
    const n = Number(c.recv(this.#fd, buf, BigInt(buf.length), 0));
    if (n <= 0) throw new DBusConnectionError("The D-Bus peer closed the connection or timed out.");
    const next = new Uint8Array(this.#pending.length + n);
    next.set(this.#pending);
    next.set(buf.subarray(0, n), this.#pending.length);
    this.#pending = next;
  }

  #readLine(): string {
    for (;;) {
      const end = this.#pending.findIndex((b, i) => b === 0x0d && this.#pending[i + 1] === 0x0a);
      if (end >= 0) {
        const line = decoder.decode(this.#pending.subarray(0, end));
        this.#pending = this.#pending.subarray(end + 2);
        return line;
      }
      if (this.#pending.length > 4096) throw new DBusConnectionError("Authentication reply is too long.");
      this.#receive();
    }
  }

  #authenticate(): void {
    const uid = String(libc()!.geteuid());
    const hex = [...encoder.encode(uid)].map((b) => b.toString(16).padStart(2, "0")).join("");
    this.#send(encoder.encode(`\0AUTH EXTERNAL ${hex}\r\n`));
    const reply = this.#readLine();
    if (!reply.startsWith("OK ")) throw new DBusConnectionError(`Authentication refused: ${reply}`);
    this.#send(encoder.encode("BEGIN\r\n"));
  }

  /** Reads the next complete message. */
  #nextMessage(): DBusMessage {
    for (;;) {
      const length = messageLength(this.#pending);
      if (length !== undefined && this.#pending.length >= length) {
        const message = decodeMessage(this.#pending.subarray(0, length));
        this.#pending = this.#pending.subarray(length);
        return message;
      }
      this.#receive();
    }
  }

  /** Sends every call at once, then collects the replies in call order (signals are ignored). */
  call(calls: MethodCall[]): CallResult[] {
    if (calls.length === 0) return [];
    const first = this.#serial + 1;
    const out = new DBusWriter();
    for (const call of calls) {
      out.raw(encodeMessage({
        type: MESSAGE_TYPE.METHOD_CALL,
        flags: 0,
        serial: ++this.#serial,
        path: call.path,
        interface: call.interface,
        member: call.member,
        destination: call.destination,
        signature: call.signature ?? "",
        body: call.body ?? [],
      }));
    }
    this.#send(out.bytes());
    const results = new Array<CallResult | undefined>(calls.length);
    let remaining = calls.length;
    while (remaining > 0) {
      const m = this.#nextMessage();
      if (m.type !== MESSAGE_TYPE.METHOD_RETURN && m.type !== MESSAGE_TYPE.ERROR) continue;
      const index = (m.replySerial ?? 0) - first;
      if (index < 0 || index >= calls.length || results[index]) continue;
      results[index] = m.type === MESSAGE_TYPE.METHOD_RETURN
        ? { ok: true, body: m.body }
        : { ok: false, error: m.errorName ?? "org.freedesktop.DBus.Error.Failed" };
      remaining--;
    }
    return results as CallResult[];
  }

  /** Closes the socket. */
  close(): void {
    libc()?.close(this.#fd);
  }
}
