/**
 * Typed bindings of osquery's extension interface (core/thrift/osquery.thrift): the structs as
 * TypeScript interfaces, their wire descriptions as data, and message encode/decode for every
 * method of the Extension and ExtensionManager services. `bindings_test.ts` parses the IDL and
 * checks these descriptions against it field by field, so the two cannot drift apart.
 *
 * i64 values (route UUIDs) are `bigint` everywhere, map keys included.
 *
 * @module
 */
import {
  DEFAULT_LIMITS,
  type MessageHeader,
  MessageType,
  objectCost,
  type ProtocolLimits,
  Reader,
  ThriftProtocolError,
  TType,
  Writer,
} from "./protocol.ts";

/** A Thrift type, as data. */
export type TypeDesc =
  | { kind: "bool" }
  | { kind: "byte" }
  | { kind: "i16" }
  | { kind: "i32" }
  | { kind: "i64" }
  | { kind: "double" }
  | { kind: "string" }
  | { kind: "list"; elem: TypeDesc }
  | { kind: "set"; elem: TypeDesc }
  | { kind: "map"; key: TypeDesc; value: TypeDesc }
  | { kind: "struct"; struct: StructDesc };

/** One struct field. */
export interface FieldDesc {
  id: number;
  name: string;
  type: TypeDesc;
}

/** A struct (or an argument/result struct of a method). */
export interface StructDesc {
  name: string;
  fields: FieldDesc[];
}

const T = {
  string: { kind: "string" } as TypeDesc,
  i32: { kind: "i32" } as TypeDesc,
  i64: { kind: "i64" } as TypeDesc,
  list: (elem: TypeDesc): TypeDesc => ({ kind: "list", elem }),
  map: (key: TypeDesc, value: TypeDesc): TypeDesc => ({ kind: "map", key, value }),
  struct: (struct: StructDesc): TypeDesc => ({ kind: "struct", struct }),
};

/** Plugin call arguments (ExtensionPluginRequest). */
export type PluginRequest = Record<string, string>;
/** Plugin answer rows (ExtensionPluginResponse). */
export type PluginResponse = Record<string, string>[];
/** Plugin name → route info (ExtensionRouteTable). */
export type RouteTable = Record<string, PluginResponse>;
/** Registry name → plugins (ExtensionRegistry). */
export type ExtensionRegistry = Record<string, RouteTable>;

/** A core flag as `options()` reports it. */
export interface InternalOptionInfo {
  value: string;
  default_value: string;
  type: string;
}

/** Who an extension is. */
export interface InternalExtensionInfo {
  name: string;
  version: string;
  sdk_version: string;
  min_sdk_version: string;
}

/** A call's outcome. */
export interface ExtensionStatus {
  code: number;
  message: string;
  uuid: bigint;
}

/** A plugin's status and rows. */
export interface ExtensionResponse {
  status: ExtensionStatus;
  response: PluginResponse;
}

/** Registered extensions by route UUID. */
export type InternalExtensionList = Map<bigint, InternalExtensionInfo>;
/** Core flags by name. */
export type InternalOptionList = Record<string, InternalOptionInfo>;

/** ExtensionCode values. */
export const ExtensionCode = { EXT_SUCCESS: 0, EXT_FAILED: 1, EXT_FATAL: 2 } as const;

const stringMap = T.map(T.string, T.string);
const pluginResponse = T.list(stringMap);

/** Wire descriptions of the IDL's structs. */
export const STRUCTS: Record<string, StructDesc> = {};

function defineStruct(name: string, fields: [number, string, TypeDesc][]): StructDesc {
  const desc = { name, fields: fields.map(([id, fname, type]) => ({ id, name: fname, type })) };
  STRUCTS[name] = desc;
  return desc;
}

const InternalOptionInfoDesc = defineStruct("InternalOptionInfo", [
  [1, "value", T.string],
  [2, "default_value", T.string],
  [3, "type", T.string],
]);
const InternalExtensionInfoDesc = defineStruct("InternalExtensionInfo", [
  [1, "name", T.string],
  [2, "version", T.string],
  [3, "sdk_version", T.string],
  [4, "min_sdk_version", T.string],
]);
const ExtensionStatusDesc = defineStruct("ExtensionStatus", [
  [1, "code", T.i32],
  [2, "message", T.string],
  [3, "uuid", T.i64],
]);
const ExtensionResponseDesc = defineStruct("ExtensionResponse", [
  [1, "status", T.struct(ExtensionStatusDesc)],
  [2, "response", pluginResponse],
]);
defineStruct("ExtensionException", [
  [1, "code", T.i32],
  [2, "message", T.string],
  [3, "uuid", T.i64],
]);

/** Argument and result types of every method, for typed clients and servers. */
export interface MethodTypes {
  ping: { args: Record<never, never>; result: ExtensionStatus };
  call: { args: { registry: string; item: string; request: PluginRequest }; result: ExtensionResponse };
  shutdown: { args: Record<never, never>; result: void };
  extensions: { args: Record<never, never>; result: InternalExtensionList };
  options: { args: Record<never, never>; result: InternalOptionList };
  registerExtension: { args: { info: InternalExtensionInfo; registry: ExtensionRegistry }; result: ExtensionStatus };
  deregisterExtension: { args: { uuid: bigint }; result: ExtensionStatus };
  query: { args: { sql: string }; result: ExtensionResponse };
  getQueryColumns: { args: { sql: string }; result: ExtensionResponse };
}

/** A method name of the ExtensionManager service (which includes Extension's). */
export type MethodName = keyof MethodTypes;
/** Arguments of a method. */
export type ArgsOf<M extends MethodName> = MethodTypes[M]["args"];
/** Result of a method. */
export type ResultOf<M extends MethodName> = MethodTypes[M]["result"];

/** A method's wire description: its argument struct and its result type (undefined = void). */
export interface MethodDesc {
  service: "Extension" | "ExtensionManager";
  args: StructDesc;
  result: TypeDesc | undefined;
}

function method(
  service: MethodDesc["service"],
  name: string,
  args: [number, string, TypeDesc][],
  result: TypeDesc | undefined,
): MethodDesc {
  return {
    service,
    args: { name: `${name}_args`, fields: args.map(([id, fname, type]) => ({ id, name: fname, type })) },
    result,
  };
}

/** Every method with its wire description. */
export const METHODS: Record<MethodName, MethodDesc> = {
  ping: method("Extension", "ping", [], T.struct(ExtensionStatusDesc)),
  call: method("Extension", "call", [[1, "registry", T.string], [2, "item", T.string], [3, "request", stringMap]], {
    kind: "struct",
    struct: ExtensionResponseDesc,
  }),
  shutdown: method("Extension", "shutdown", [], undefined),
  extensions: method("ExtensionManager", "extensions", [], T.map(T.i64, T.struct(InternalExtensionInfoDesc))),
  options: method("ExtensionManager", "options", [], T.map(T.string, T.struct(InternalOptionInfoDesc))),
  registerExtension: method("ExtensionManager", "registerExtension", [
    [1, "info", T.struct(InternalExtensionInfoDesc)],
    [2, "registry", T.map(T.string, T.map(T.string, pluginResponse))],
  ], T.struct(ExtensionStatusDesc)),
  deregisterExtension: method("ExtensionManager", "deregisterExtension", [[1, "uuid", T.i64]], {
    kind: "struct",
    struct: ExtensionStatusDesc,
  }),
  query: method("ExtensionManager", "query", [[1, "sql", T.string]], T.struct(ExtensionResponseDesc)),
  getQueryColumns: method("ExtensionManager", "getQueryColumns", [[1, "sql", T.string]], {
    kind: "struct",
    struct: ExtensionResponseDesc,
  }),
};

/** True when `name` is a method of the ExtensionManager service. */
export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(METHODS, name);
}

function wireType(type: TypeDesc): number {
  switch (type.kind) {
    case "bool":
      return TType.BOOL;
    case "byte":
      return TType.BYTE;
    case "i16":
      return TType.I16;
    case "i32":
      return TType.I32;
    case "i64":
      return TType.I64;
    case "double":
      return TType.DOUBLE;
    case "string":
      return TType.STRING;
    case "list":
      return TType.LIST;
    case "set":
      return TType.SET;
    case "map":
      return TType.MAP;
    case "struct":
      return TType.STRUCT;
  }
}

// Values are typed by the descriptors, not by TypeScript, inside the generic codec.
type Value = unknown;

/** Sets `key` on a plain object even when it is `__proto__` (hostile map keys stay data). */
function setKey(obj: Record<string, Value>, key: string, value: Value): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true });
  else obj[key] = value;
}

function isStringMap(type: TypeDesc): boolean {
  return type.kind === "map" && type.key.kind === "string" && type.value.kind === "string";
}

function encodeValue(w: Writer, type: TypeDesc, value: Value): void {
  switch (type.kind) {
    case "bool":
      w.bool(Boolean(value));
      return;
    case "byte":
      w.byte(Number(value ?? 0));
      return;
    case "i16":
      w.i16(Number(value ?? 0));
      return;
    case "i32":
      w.i32(Number(value ?? 0));
      return;
    case "i64":
      w.i64(typeof value === "bigint" ? value : Number(value ?? 0));
      return;
    case "double":
      w.double(Number(value ?? 0));
      return;
    case "string":
      w.string(value === undefined || value === null ? "" : String(value));
      return;
    case "list":
    case "set": {
      const items = [...((value ?? []) as Iterable<Value>)];
      w.listBegin(wireType(type.elem), items.length);
      for (const item of items) encodeValue(w, type.elem, item);
      return;
    }
    case "map": {
      if (isStringMap(type) && !(value instanceof Map)) {
        // The hot path (plugin requests and rows): string keys and values, no entry arrays.
        const obj = (value ?? {}) as Record<string, Value>;
        const keys = Object.keys(obj);
        w.mapBegin(TType.STRING, TType.STRING, keys.length);
        for (const key of keys) {
          const v = obj[key];
          w.string(key);
          w.string(typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
        }
        return;
      }
      const entries: [Value, Value][] = value instanceof Map
        ? [...value.entries()]
        : Object.entries((value ?? {}) as Record<string, Value>);
      w.mapBegin(wireType(type.key), wireType(type.value), entries.length);
      for (const [k, v] of entries) {
        encodeValue(w, type.key, type.key.kind === "i64" && typeof k === "string" ? BigInt(k) : k);
        encodeValue(w, type.value, v);
      }
      return;
    }
    case "struct":
      encodeStruct(w, type.struct, (value ?? {}) as Record<string, Value>);
      return;
  }
}

/** Encodes a struct; fields that are undefined are left out (Thrift's optional-by-absence). */
export function encodeStruct(w: Writer, desc: StructDesc, value: Record<string, Value>): void {
  for (const field of desc.fields) {
    const v = value[field.name];
    if (v === undefined) continue;
    w.fieldBegin(wireType(field.type), field.id);
    encodeValue(w, field.type, v);
  }
  w.fieldStop();
}

function defaultValue(type: TypeDesc): Value {
  switch (type.kind) {
    case "bool":
      return false;
    case "i64":
      return 0n;
    case "string":
      return "";
    case "list":
    case "set":
      return [];
    case "map":
      return type.key.kind === "string" ? {} : new Map();
    case "struct":
      return defaultStruct(type.struct);
    default:
      return 0;
  }
}

function defaultStruct(desc: StructDesc): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const f of desc.fields) out[f.name] = defaultValue(f.type);
  return out;
}

function decodeValue(r: Reader, type: TypeDesc, wire: number): Value {
  if (wire !== wireType(type)) {
    // A peer sent another type for a known field: skip it and keep the default, as Thrift does.
    r.skip(wire);
    return defaultValue(type);
  }
  switch (type.kind) {
    case "bool":
      return r.bool();
    case "byte":
      return r.byte();
    case "i16":
      return r.i16();
    case "i32":
      return r.i32();
    case "i64":
      return r.i64();
    case "double":
      return r.double();
    case "string":
      return r.string();
    case "list":
    case "set": {
      const [elemWire, n] = r.listBegin();
      if (elemWire === TType.MAP && isStringMap(type.elem)) return r.stringRows(n);
      r.charge(objectCost(n));
      const out: Value[] = [];
      for (let i = 0; i < n; i++) out.push(decodeValue(r, type.elem, elemWire));
      return out;
    }
    case "map": {
      const [kw, vw, n] = r.mapBegin();
      r.charge(objectCost(n));
      if (type.key.kind === "string") {
        const out: Record<string, Value> = {};
        const stringValues = type.value.kind === "string" && vw === TType.STRING && kw === TType.STRING;
        for (let i = 0; i < n; i++) {
          const k = decodeValue(r, type.key, kw) as string;
          setKey(out, k, stringValues ? r.string() : decodeValue(r, type.value, vw));
        }
        return out;
      }
      const out = new Map<Value, Value>();
      for (let i = 0; i < n; i++) {
        const k = decodeValue(r, type.key, kw);
        out.set(k, decodeValue(r, type.value, vw));
      }
      return out;
    }
    case "struct":
      return decodeStruct(r, type.struct);
  }
}

/** Decodes a struct; unknown fields are skipped, missing ones get defaults. */
export function decodeStruct(r: Reader, desc: StructDesc): Record<string, Value> {
  r.charge(objectCost(desc.fields.length));
  const out = defaultStruct(desc);
  for (;;) {
    const [wire, id] = r.fieldBegin();
    if (wire === TType.STOP) return out;
    const field = desc.fields.find((f) => f.id === id);
    if (!field) r.skip(wire);
    else out[field.name] = decodeValue(r, field.type, wire);
  }
}

/** Thrift's TApplicationException type codes. */
export const ApplicationErrorType = {
  UNKNOWN: 0,
  UNKNOWN_METHOD: 1,
  INVALID_MESSAGE_TYPE: 2,
  WRONG_METHOD_NAME: 3,
  BAD_SEQUENCE_ID: 4,
  MISSING_RESULT: 5,
  INTERNAL_ERROR: 6,
  PROTOCOL_ERROR: 7,
} as const;

/** A TApplicationException a peer answered with (unknown method, internal error, ...). */
export class ThriftApplicationError extends Error {
  /** The ApplicationErrorType code. */
  readonly type: number;

  constructor(message: string, type: number) {
    super(message);
    this.name = "ThriftApplicationError";
    this.type = type;
  }
}

const ApplicationExceptionDesc: StructDesc = {
  name: "TApplicationException",
  fields: [{ id: 1, name: "message", type: T.string }, { id: 2, name: "type", type: T.i32 }],
};

/** Encodes a CALL message. */
export function encodeCall<M extends MethodName>(name: M, seqid: number, args: ArgsOf<M>): Uint8Array<ArrayBuffer> {
  const w = new Writer(256);
  w.messageBegin(name, MessageType.CALL, seqid);
  encodeStruct(w, METHODS[name].args, args as Record<string, Value>);
  return w.finish();
}

/** Encodes a REPLY message carrying `result` as field 0 (`success`), or nothing for void. */
export function encodeReply<M extends MethodName>(
  name: M,
  seqid: number,
  result: ResultOf<M>,
  initialSize = 256,
): Uint8Array<ArrayBuffer> {
  const w = new Writer(initialSize);
  w.messageBegin(name, MessageType.REPLY, seqid);
  const type = METHODS[name].result;
  if (type) {
    w.fieldBegin(wireType(type), 0);
    encodeValue(w, type, result);
  }
  w.fieldStop();
  return w.finish();
}

/** Encodes an EXCEPTION message (TApplicationException). */
export function encodeApplicationError(
  name: string,
  seqid: number,
  message: string,
  type: number,
): Uint8Array<ArrayBuffer> {
  const w = new Writer(128);
  w.messageBegin(name, MessageType.EXCEPTION, seqid);
  encodeStruct(w, ApplicationExceptionDesc, { message, type });
  return w.finish();
}

/** A decoded incoming message: its header and a reader positioned at its body. */
export interface IncomingMessage extends MessageHeader {
  reader: Reader;
}

/** Reads a message header from a complete message. */
export function openMessage(bytes: Uint8Array, limits: ProtocolLimits = DEFAULT_LIMITS): IncomingMessage {
  const reader = new Reader(bytes, limits);
  return { ...reader.messageBegin(), reader };
}

/** A request may take this many times its size once decoded (plus {@linkcode DECODE_SLACK}). */
export const DECODE_FACTOR = 2;
/** Fixed allowance for small requests, whose decoded structs outweigh their few bytes. */
export const DECODE_SLACK = 64 * 1024;

/** Decodes a CALL's arguments. */
export function decodeArgs<M extends MethodName>(name: M, reader: Reader): ArgsOf<M> {
  // A peer's request may not cost the server more than about twice its size to hold
  // (a 12 MB registerExtension of tiny, ever-differently keyed routes once cost 150 MB).
  reader.limitDecoding(DECODE_FACTOR * reader.length + DECODE_SLACK);
  return decodeStruct(reader, METHODS[name].args) as ArgsOf<M>;
}

/**
 * Decodes the answer to a call of `name`: the REPLY's `success` value, or throws
 * {@linkcode ThriftApplicationError} for an EXCEPTION message.
 */
export function decodeResult<M extends MethodName>(name: M, message: IncomingMessage): ResultOf<M> {
  if (message.type === MessageType.EXCEPTION) {
    const err = decodeStruct(message.reader, ApplicationExceptionDesc);
    throw new ThriftApplicationError(String(err.message || "Unknown Thrift application error"), Number(err.type));
  }
  if (message.type !== MessageType.REPLY) {
    throw new ThriftProtocolError(`Expected a reply to ${name}, got message type ${message.type}`);
  }
  if (message.name !== name) {
    throw new ThriftProtocolError(`Expected a reply to ${name}, got one to ${message.name}`);
  }
  const type = METHODS[name].result;
  const resultDesc: StructDesc = { name: `${name}_result`, fields: type ? [{ id: 0, name: "success", type }] : [] };
  const r = message.reader;
  let success: Value = undefined;
  let seen = false;
  for (;;) {
    const [wire, id] = r.fieldBegin();
    if (wire === TType.STOP) break;
    const field = resultDesc.fields.find((f) => f.id === id);
    if (!field) r.skip(wire);
    else {
      success = decodeValue(r, field.type, wire);
      seen = true;
    }
  }
  if (type && !seen) {
    throw new ThriftApplicationError(`${name} failed: unknown result`, ApplicationErrorType.MISSING_RESULT);
  }
  return success as ResultOf<M>;
}
