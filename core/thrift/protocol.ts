/**
 * Apache Thrift's binary protocol: a {@linkcode Writer} that encodes, a {@linkcode Reader} that
 * decodes a complete message, and a resumable {@linkcode MessageScanner} that finds where a
 * message ends in a byte stream that arrives in pieces (buffered transport has no length prefix,
 * and C++ peers flush in 512-byte writes).
 *
 * The scanner validates structure and sizes before anything is decoded, so a hostile or broken
 * peer cannot make us allocate a bogus length: strings and messages have limits, containers
 * cannot claim more elements than bytes, and nesting has a depth limit.
 *
 * @module
 */

/** Thrift wire type codes. */
export const TType = {
  STOP: 0,
  VOID: 1,
  BOOL: 2,
  BYTE: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
} as const;

/** Thrift message types. */
export const MessageType = {
  CALL: 1,
  REPLY: 2,
  EXCEPTION: 3,
  ONEWAY: 4,
} as const;

/** The strict binary protocol's version word (upper 16 bits of a versioned header). */
const VERSION_1 = 0x80010000 | 0;
const VERSION_MASK = 0xffff0000 | 0;

/** Raised for bytes that are not a well-formed Thrift binary message (or exceed a limit). */
export class ThriftProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ThriftProtocolError";
  }
}

/** Size limits applied while scanning and decoding. */
export interface ProtocolLimits {
  /** Largest string (bytes); 0 = only the message limit applies. */
  stringSizeLimit: number;
  /** Largest message (bytes). */
  messageSizeLimit: number;
  /** Deepest nesting of structs and containers. */
  depthLimit: number;
}

/** Defaults: 256 MiB messages, strings bounded by the message size, 64 levels of nesting. */
export const DEFAULT_LIMITS: ProtocolLimits = {
  stringSizeLimit: 0,
  messageSizeLimit: 256 * 1024 * 1024,
  depthLimit: 64,
};

/**
 * What decoded values cost in the JavaScript heap, in bytes, for the decoding budget (measured
 * on V8 by scripts/bench_thrift_decode.ts: a 12 MB registerExtension of realistic column routes
 * holds 1.4x its size, and these estimates say 1.5x): a string's header (plus one byte per UTF-8
 * byte), an object's header, one property or array slot (a plain object has room for at least
 * four), and a property name not seen at its position before (each new key order makes V8 build
 * another object shape).
 */
export const DECODE_COST = {
  string: 24,
  object: 24,
  slot: 10,
  newKey: 160,
} as const;

/** The estimated cost of a plain object (or array) of `slots` properties (elements). */
export function objectCost(slots: number): number {
  return DECODE_COST.object + Math.max(slots, 4) * DECODE_COST.slot;
}

const VALID_TYPES = new Set<number>([2, 3, 4, 6, 8, 10, 11, 12, 13, 14, 15]);
const FIXED_SIZE: Record<number, number> = { 2: 1, 3: 1, 4: 8, 6: 2, 8: 4, 10: 8 };

const encoder = new TextEncoder();
/** Scratch char codes for short-string decoding (single-threaded use). */
const SHORT_CODES: number[] = [];
const decoder = new TextDecoder();

/** Encodes binary-protocol values into a growing buffer. */
export class Writer {
  #buf: Uint8Array<ArrayBuffer>;
  #view: DataView;
  #pos = 0;

  constructor(initialSize = 1024) {
    this.#buf = new Uint8Array(new ArrayBuffer(initialSize));
    this.#view = new DataView(this.#buf.buffer);
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const next = new Uint8Array(new ArrayBuffer(size));
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos;
  }

  byte(v: number): void {
    this.#ensure(1);
    this.#view.setInt8(this.#pos, v);
    this.#pos += 1;
  }

  bool(v: boolean): void {
    this.byte(v ? 1 : 0);
  }

  i16(v: number): void {
    this.#ensure(2);
    this.#view.setInt16(this.#pos, v);
    this.#pos += 2;
  }

  i32(v: number): void {
    this.#ensure(4);
    this.#view.setInt32(this.#pos, v);
    this.#pos += 4;
  }

  i64(v: bigint | number): void {
    this.#ensure(8);
    this.#view.setBigInt64(this.#pos, BigInt.asIntN(64, typeof v === "bigint" ? v : BigInt(Math.trunc(v))));
    this.#pos += 8;
  }

  double(v: number): void {
    this.#ensure(8);
    this.#view.setFloat64(this.#pos, v);
    this.#pos += 8;
  }

  /** A UTF-8 string with its i32 length. */
  string(s: string): void {
    this.#ensure(4 + s.length * 3);
    const start = this.#pos + 4;
    let n: number;
    if (s.length < 64 && isAscii(s)) {
      for (let i = 0; i < s.length; i++) this.#buf[start + i] = s.charCodeAt(i);
      n = s.length;
    } else {
      n = encoder.encodeInto(s, this.#buf.subarray(start)).written;
    }
    this.#view.setInt32(this.#pos, n);
    this.#pos = start + n;
  }

  binary(b: Uint8Array): void {
    this.#ensure(4 + b.length);
    this.#view.setInt32(this.#pos, b.length);
    this.#buf.set(b, this.#pos + 4);
    this.#pos += 4 + b.length;
  }

  fieldBegin(type: number, id: number): void {
    this.byte(type);
    this.i16(id);
  }

  fieldStop(): void {
    this.byte(TType.STOP);
  }

  mapBegin(keyType: number, valueType: number, size: number): void {
    this.byte(keyType);
    this.byte(valueType);
    this.i32(size);
  }

  listBegin(elemType: number, size: number): void {
    this.byte(elemType);
    this.i32(size);
  }

  /** A strict (versioned) message header, as Apache Thrift writes by default. */
  messageBegin(name: string, type: number, seqid: number): void {
    this.i32(VERSION_1 | type);
    this.string(name);
    this.i32(seqid);
  }

  /** The encoded bytes (a copy-free view of the internal buffer). */
  finish(): Uint8Array<ArrayBuffer> {
    return this.#buf.subarray(0, this.#pos);
  }
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** A message header. */
export interface MessageHeader {
  name: string;
  type: number;
  seqid: number;
}

/** Decodes binary-protocol values from a complete buffer; reading past its end throws. */
export class Reader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  #pos = 0;
  readonly #limits: ProtocolLimits;
  #budget = Infinity;
  #budgetLimit = Infinity;
  #charged = 0;
  /** Row keys by position, reused across the rows of every list in the message. */
  readonly #keys = new TextCache();
  /** Short values repeat from row to row too ("TEXT", "0", "column"): the same string is reused. */
  readonly #values = new TextCache();

  constructor(bytes: Uint8Array, limits: ProtocolLimits = DEFAULT_LIMITS) {
    this.#buf = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#limits = limits;
  }

  /**
   * Bounds the memory the decoded values may take (estimated with {@linkcode DECODE_COST}): past
   * `bytes`, decoding stops with a {@linkcode ThriftProtocolError}. A message of tiny entries
   * or of ever-new keys cannot then cost many times its own size.
   */
  limitDecoding(bytes: number): void {
    this.#budget = this.#budgetLimit = bytes;
  }

  /** Estimated memory of the values decoded so far (bytes; see {@linkcode DECODE_COST}). */
  get decodedBytes(): number {
    return this.#charged;
  }

  /** Counts `bytes` of decoded values against the budget set by {@linkcode Reader.limitDecoding}. */
  charge(bytes: number): void {
    this.#charged += bytes;
    this.#budget -= bytes;
    if (this.#budget < 0) {
      throw new ThriftProtocolError(
        `This ${this.#buf.length}-byte Thrift message would take more than ${this.#budgetLimit} bytes of memory ` +
          "to decode: it holds too many tiny or differently-keyed entries. Send fewer, larger entries.",
      );
    }
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.#pos;
  }

  /** Size of the whole message. */
  get length(): number {
    return this.#buf.length;
  }

  #need(n: number): number {
    const at = this.#pos;
    if (at + n > this.#buf.length) throw new ThriftProtocolError("Truncated Thrift message");
    this.#pos = at + n;
    return at;
  }

  byte(): number {
    return this.#view.getInt8(this.#need(1));
  }

  bool(): boolean {
    return this.byte() !== 0;
  }

  i16(): number {
    return this.#view.getInt16(this.#need(2));
  }

  i32(): number {
    return this.#view.getInt32(this.#need(4));
  }

  i64(): bigint {
    return this.#view.getBigInt64(this.#need(8));
  }

  double(): number {
    return this.#view.getFloat64(this.#need(8));
  }

  #length(): number {
    const n = this.i32();
    if (n < 0) throw new ThriftProtocolError(`Negative string length ${n}`);
    const limit = this.#limits.stringSizeLimit;
    if (limit > 0 && n > limit) throw new ThriftProtocolError(`String of ${n} bytes exceeds the limit of ${limit}`);
    return n;
  }

  string(): string {
    const n = this.#length();
    this.charge(DECODE_COST.string + n);
    return this.#text(this.#need(n), n);
  }

  /**
   * Reads `n` maps of string → string (a plugin response's rows) in one tight loop. Keys repeat
   * from row to row, so each key position remembers its last string and reuses it when the
   * bytes match. Returns undefined (having read nothing) when the first map is not string-typed.
   */
  stringRows(n: number): Record<string, string>[] {
    this.charge(objectCost(n));
    const out: Record<string, string>[] = new Array(n);
    const keys = this.#keys;
    const values = this.#values;
    for (let row = 0; row < n; row++) {
      const [kt, vt, size] = this.mapBegin();
      if (size > 0 && (kt !== TType.STRING || vt !== TType.STRING)) {
        throw new ThriftProtocolError(`Expected map<string,string>, got key type ${kt} and value type ${vt}`);
      }
      this.charge(objectCost(size));
      const map: Record<string, string> = {};
      for (let j = 0; j < size; j++) {
        const len = this.#length();
        const at = this.#need(len);
        let key = keys.get(this.#buf, j, at, len);
        if (key === undefined) {
          this.charge(DECODE_COST.string + len + DECODE_COST.newKey);
          key = keys.set(j, this.#text(at, len), at, len);
        }
        const vlen = this.#length();
        const vat = this.#need(vlen);
        let value = vlen <= TextCache.MAX ? values.get(this.#buf, j, vat, vlen) : undefined;
        if (value === undefined) {
          this.charge(DECODE_COST.string + vlen);
          value = this.#text(vat, vlen);
          if (vlen <= TextCache.MAX) values.set(j, value, vat, vlen);
        }
        if (key === "__proto__") Object.defineProperty(map, key, { value, enumerable: true, writable: true });
        else map[key] = value;
      }
      out[row] = map;
    }
    return out;
  }

  #text(at: number, n: number): string {
    const buf = this.#buf;
    if (n <= 64) {
      // Short ASCII strings (column names, most values) are built from char codes: much
      // cheaper than TextDecoder for a few bytes.
      const codes = SHORT_CODES;
      codes.length = n;
      let i = 0;
      for (; i < n; i++) {
        const c = buf[at + i];
        if (c > 0x7f) break;
        codes[i] = c;
      }
      if (i === n) return String.fromCharCode.apply(null, codes);
    }
    return decoder.decode(buf.subarray(at, at + n));
  }

  binary(): Uint8Array {
    const n = this.#length();
    this.charge(DECODE_COST.object + n);
    const at = this.#need(n);
    return this.#buf.slice(at, at + n);
  }

  /** A field header: [type, id]; type STOP (0) ends the struct. */
  fieldBegin(): [number, number] {
    const type = this.byte();
    if (type === TType.STOP) return [TType.STOP, 0];
    return [type, this.i16()];
  }

  #size(): number {
    const n = this.i32();
    if (n < 0) throw new ThriftProtocolError(`Negative container size ${n}`);
    if (n > this.#buf.length - this.#pos) {
      throw new ThriftProtocolError(`Container of ${n} elements cannot fit in the message`);
    }
    return n;
  }

  mapBegin(): [number, number, number] {
    const k = this.byte();
    const v = this.byte();
    return [k, v, this.#size()];
  }

  listBegin(): [number, number] {
    const e = this.byte();
    return [e, this.#size()];
  }

  /** A message header, strict (versioned) or old-style. */
  messageBegin(): MessageHeader {
    const word = this.i32();
    if (word < 0) {
      if ((word & VERSION_MASK) !== VERSION_1) {
        throw new ThriftProtocolError(`Bad Thrift version word 0x${(word >>> 0).toString(16)}`);
      }
      const name = this.string();
      return { name, type: word & 0xff, seqid: this.i32() };
    }
    const limit = this.#limits.stringSizeLimit;
    if (limit > 0 && word > limit) throw new ThriftProtocolError(`Method name of ${word} bytes exceeds the limit`);
    const at = this.#need(word);
    const name = decoder.decode(this.#buf.subarray(at, at + word));
    const type = this.byte();
    return { name, type, seqid: this.i32() };
  }

  /** Skips one value of `type` (unknown fields). */
  skip(type: number, depth = 0): void {
    if (depth > this.#limits.depthLimit) throw new ThriftProtocolError("Thrift value nested too deeply");
    switch (type) {
      case TType.BOOL:
      case TType.BYTE:
        this.#need(1);
        return;
      case TType.I16:
        this.#need(2);
        return;
      case TType.I32:
        this.#need(4);
        return;
      case TType.I64:
      case TType.DOUBLE:
        this.#need(8);
        return;
      case TType.STRING:
        this.#need(this.#length());
        return;
      case TType.STRUCT:
        for (;;) {
          const [t] = this.fieldBegin();
          if (t === TType.STOP) return;
          this.skip(t, depth + 1);
        }
      case TType.MAP: {
        const [k, v, n] = this.mapBegin();
        for (let i = 0; i < n; i++) {
          this.skip(k, depth + 1);
          this.skip(v, depth + 1);
        }
        return;
      }
      case TType.SET:
      case TType.LIST: {
        const [e, n] = this.listBegin();
        for (let i = 0; i < n; i++) this.skip(e, depth + 1);
        return;
      }
      default:
        throw new ThriftProtocolError(`Unknown Thrift type ${type}`);
    }
  }
}

/**
 * The last string decoded at each position of a row, with where its bytes were: a row whose
 * bytes at that position are the same reuses the string instead of decoding another copy.
 */
class TextCache {
  /** Longest text compared byte by byte (longer ones are rarely repeated). */
  static readonly MAX = 64;
  readonly #text: string[] = [];
  readonly #start: number[] = [];
  readonly #length: number[] = [];

  /** The cached string for `slot` when `buf[at..at+length)` holds the same bytes. */
  get(buf: Uint8Array, slot: number, at: number, length: number): string | undefined {
    if (this.#length[slot] !== length) return undefined;
    const start = this.#start[slot];
    for (let b = 0; b < length; b++) if (buf[start + b] !== buf[at + b]) return undefined;
    return this.#text[slot];
  }

  /** Remembers `text` (decoded from `at`) for `slot`; returns it. */
  set(slot: number, text: string, at: number, length: number): string {
    this.#text[slot] = text;
    this.#start[slot] = at;
    this.#length[slot] = length;
    return text;
  }
}

// Scanner frames: what the scanner expects next.
const enum Frame {
  Header,
  Struct,
  Value,
  List,
  Map,
}

interface ScanState {
  frame: Frame;
  /** Value type (Value), element type (List), key type (Map). */
  type: number;
  /** Map value type. */
  type2: number;
  /** Values left (List), keys+values left (Map). */
  left: number;
}

/**
 * Finds the end of one binary-protocol message in a byte stream, resumably: call
 * {@linkcode MessageScanner.scan} each time more bytes arrive (the buffer keeps its prefix) and it
 * continues where it stopped. Returns the message's length once complete, or 0 while incomplete.
 * Throws {@linkcode ThriftProtocolError} as soon as the bytes cannot be a valid message.
 */
export class MessageScanner {
  #pos = 0;
  #stack: ScanState[] = [{ frame: Frame.Header, type: 0, type2: 0, left: 0 }];
  readonly #limits: ProtocolLimits;

  constructor(limits: ProtocolLimits = DEFAULT_LIMITS) {
    this.#limits = limits;
  }

  /** Starts over for the next message. */
  reset(): void {
    this.#pos = 0;
    this.#stack = [{ frame: Frame.Header, type: 0, type2: 0, left: 0 }];
  }

  /** True when no byte of the current message has been consumed. */
  get atStart(): boolean {
    return this.#pos === 0;
  }

  #string(view: DataView, at: number, what: string): number {
    const n = view.getInt32(at);
    if (n < 0) throw new ThriftProtocolError(`Negative ${what} length ${n}`);
    const limit = this.#limits.stringSizeLimit;
    if (limit > 0 && n > limit) throw new ThriftProtocolError(`${what} of ${n} bytes exceeds the limit of ${limit}`);
    if (n > this.#limits.messageSizeLimit) {
      throw new ThriftProtocolError(`${what} of ${n} bytes exceeds the message limit`);
    }
    return n;
  }

  #checkType(type: number): void {
    if (!VALID_TYPES.has(type)) throw new ThriftProtocolError(`Unknown Thrift type ${type}`);
  }

  #push(state: ScanState): void {
    if (this.#stack.length > this.#limits.depthLimit) {
      throw new ThriftProtocolError("Thrift message nested too deeply");
    }
    this.#stack.push(state);
  }

  /**
   * Consumes map entries whose key and value are strings or fixed-size, without a frame per
   * value. Returns false when the map holds other types (the caller walks them one by one);
   * true otherwise, with `top.left` entries still missing bytes (0 when the map is complete).
   */
  #inlineMap(top: ScanState, view: DataView, length: number): boolean {
    const k = top.type;
    const v = top.type2;
    const kFixed = FIXED_SIZE[k];
    const vFixed = FIXED_SIZE[v];
    if ((k !== TType.STRING && kFixed === undefined) || (v !== TType.STRING && vFixed === undefined)) return false;
    const max = this.#limits.messageSizeLimit;
    while (top.left > 0) {
      const fixed = top.left % 2 === 0 ? kFixed : vFixed;
      let size: number;
      if (fixed !== undefined) size = fixed;
      else {
        if (this.#pos + 4 > length) break;
        size = 4 + this.#string(view, this.#pos, "string");
      }
      if (this.#pos + size > max) throw new ThriftProtocolError(`Thrift message exceeds the limit of ${max} bytes`);
      if (this.#pos + size > length) break;
      this.#pos += size;
      top.left -= 1;
    }
    return true;
  }

  /** Scans `buf[0..length)`; returns the complete message's length or 0 when more bytes are needed. */
  scan(buf: Uint8Array, length = buf.length): number {
    const view = new DataView(buf.buffer, buf.byteOffset, length);
    const max = this.#limits.messageSizeLimit;
    const have = (n: number) => {
      if (this.#pos + n > max) {
        throw new ThriftProtocolError(`Thrift message exceeds the limit of ${max} bytes`);
      }
      return this.#pos + n <= length;
    };
    const stack = this.#stack;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      switch (top.frame) {
        case Frame.Header: {
          if (!have(4)) return 0;
          const word = view.getInt32(this.#pos);
          if (word < 0) {
            if ((word & VERSION_MASK) !== VERSION_1) {
              throw new ThriftProtocolError(`Bad Thrift version word 0x${(word >>> 0).toString(16)}`);
            }
            const type = word & 0xff;
            if (type < 1 || type > 4) throw new ThriftProtocolError(`Bad Thrift message type ${type}`);
            if (!have(8)) return 0;
            const n = this.#string(view, this.#pos + 4, "method name");
            if (!have(8 + n + 4)) return 0;
            this.#pos += 8 + n + 4;
          } else {
            const n = this.#string(view, this.#pos, "method name");
            if (!have(4 + n + 5)) return 0;
            const type = view.getInt8(this.#pos + 4 + n);
            if (type < 1 || type > 4) throw new ThriftProtocolError(`Bad Thrift message type ${type}`);
            this.#pos += 4 + n + 5;
          }
          top.frame = Frame.Struct;
          break;
        }
        case Frame.Struct: {
          if (!have(1)) return 0;
          const type = view.getInt8(this.#pos);
          if (type === TType.STOP) {
            this.#pos += 1;
            stack.pop();
            break;
          }
          this.#checkType(type);
          if (!have(3)) return 0;
          this.#pos += 3;
          this.#push({ frame: Frame.Value, type, type2: 0, left: 0 });
          break;
        }
        case Frame.Value: {
          const type = top.type;
          const fixed = FIXED_SIZE[type];
          if (fixed !== undefined) {
            if (!have(fixed)) return 0;
            this.#pos += fixed;
            stack.pop();
          } else if (type === TType.STRING) {
            if (!have(4)) return 0;
            const n = this.#string(view, this.#pos, "string");
            if (!have(4 + n)) return 0;
            this.#pos += 4 + n;
            stack.pop();
          } else if (type === TType.STRUCT) {
            top.frame = Frame.Struct;
          } else if (type === TType.MAP) {
            if (!have(6)) return 0;
            const k = view.getInt8(this.#pos);
            const v = view.getInt8(this.#pos + 1);
            const n = view.getInt32(this.#pos + 2);
            this.#pos += 6;
            if (n < 0) throw new ThriftProtocolError(`Negative map size ${n}`);
            if (n > 0) {
              this.#checkType(k);
              this.#checkType(v);
              if (n * 2 > max) throw new ThriftProtocolError(`Map of ${n} entries exceeds the message limit`);
            }
            top.frame = Frame.Map;
            top.type = k;
            top.type2 = v;
            top.left = n * 2;
          } else {
            // LIST or SET
            if (!have(5)) return 0;
            const e = view.getInt8(this.#pos);
            const n = view.getInt32(this.#pos + 1);
            this.#pos += 5;
            if (n < 0) throw new ThriftProtocolError(`Negative list size ${n}`);
            if (n > 0) {
              this.#checkType(e);
              if (n > max) throw new ThriftProtocolError(`List of ${n} elements exceeds the message limit`);
            }
            top.frame = Frame.List;
            top.type = e;
            top.left = n;
          }
          break;
        }
        case Frame.List: {
          if (top.left === 0) {
            stack.pop();
            break;
          }
          const fixed = FIXED_SIZE[top.type];
          if (fixed !== undefined) {
            // Fixed-size elements: take as many as are here at once.
            const available = Math.floor((length - this.#pos) / fixed);
            const take = Math.min(available, top.left);
            if (take === 0) {
              have(fixed);
              return 0;
            }
            this.#pos += take * fixed;
            top.left -= take;
            break;
          }
          if (top.type === TType.STRING) {
            // Strings: take every complete one that is here, without a frame each.
            while (top.left > 0) {
              if (!have(4)) return 0;
              const n = this.#string(view, this.#pos, "string");
              if (!have(4 + n)) return 0;
              this.#pos += 4 + n;
              top.left -= 1;
            }
            break;
          }
          top.left -= 1;
          this.#push({ frame: Frame.Value, type: top.type, type2: 0, left: 0 });
          break;
        }
        case Frame.Map: {
          if (top.left === 0) {
            stack.pop();
            break;
          }
          if (this.#inlineMap(top, view, length)) {
            if (top.left === 0) stack.pop();
            else return 0;
            break;
          }
          const type = top.left % 2 === 0 ? top.type : top.type2;
          top.left -= 1;
          this.#push({ frame: Frame.Value, type, type2: 0, left: 0 });
          break;
        }
      }
    }
    return this.#pos;
  }
}
