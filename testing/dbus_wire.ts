/**
 * Test support: the D-Bus wire format (marshalling by type signature, message headers), written
 * independently of sd-bus so that fake peers (the fake systemd manager) can answer osq's sd-bus
 * client in tests without a bus daemon or systemd. Production code talks D-Bus through
 * core/dbus/client.ts (libsystemd's sd-bus), never through this.
 *
 * @module
 */
import type { DBusValue, DBusVariant } from "../core/dbus/client.ts";

export type { DBusValue, DBusVariant };

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
