/**
 * A blocking D-Bus client on libsystemd's sd-bus ({@linkcode ./sdbus.ts}): connect to a unix
 * socket (a bus daemon, which gets a Hello, or a peer such as systemd's private socket), send a
 * batch of method calls at once and collect their replies in call order, decoding each reply's
 * body by its signature into plain values. Blocking, because table generators run synchronously
 * inside SQLite's callbacks; sd-bus does the wire format and the authentication.
 *
 * @example Asking a bus daemon for its own id
 * ```ts ignore
 * import { DBusConnection } from "./client.ts";
 *
 * const conn = DBusConnection.open("/run/dbus/system_bus_socket", true);
 * if (conn) {
 *   const [reply] = conn.call([{
 *     destination: "org.freedesktop.DBus",
 *     path: "/org/freedesktop/DBus",
 *     interface: "org.freedesktop.DBus",
 *     member: "GetId",
 *   }]);
 *   if (reply.ok) console.log(reply.body[0]);
 *   conn.close();
 * }
 * ```
 *
 * @module
 */
import { MESSAGE_TYPE, sdBus, type SdBusSymbols } from "./sdbus.ts";

/** A decoded D-Bus value: numbers (64-bit ones as bigint past 2^53), strings, booleans, arrays, structs as arrays. */
export type DBusValue = number | bigint | string | boolean | DBusValue[] | DBusVariant;

/** A variant: its signature and value. */
export interface DBusVariant {
  signature: string;
  value: DBusValue;
}

/** One method call. `body` holds basic values (strings, numbers, booleans) matching `signature`. */
export interface MethodCall {
  destination?: string;
  path: string;
  interface?: string;
  member: string;
  signature?: string;
  body?: DBusValue[];
}

/** The outcome of a call: the reply body, or the D-Bus error name. */
export type CallResult = { ok: true; body: DBusValue[] } | { ok: false; error: string };

/** Raised when the bus cannot be reached, stops answering, or sends what we cannot read. */
export class DBusConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DBusConnectionError";
  }
}

const encoder = new TextEncoder();

function cstr(text: string): Uint8Array {
  return encoder.encode(text + "\0");
}

/** A D-Bus address for a unix socket path: bytes outside the unescaped set as %XX (D-Bus specification). */
export function unixAddress(path: string): string {
  let out = "unix:path=";
  for (const b of encoder.encode(path)) {
    const c = String.fromCharCode(b);
    out += /[-0-9A-Za-z_/.\\*]/.test(c) ? c : "%" + b.toString(16).padStart(2, "0");
  }
  return out;
}

function check(r: number, what: string): number {
  if (r < 0) throw new DBusConnectionError(`${what} failed: errno ${-r}`);
  return r;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Reads the next complete value at the message's read position (its type peeked first). */
function readValue(lib: SdBusSymbols, m: Deno.PointerObject): DBusValue {
  const type = new Uint8Array(1);
  const contents = new BigUint64Array(1);
  if (check(lib.sd_bus_message_peek_type(m, type, contents), "peek") === 0) {
    throw new DBusConnectionError("A D-Bus reply ended before its signature did.");
  }
  const code = String.fromCharCode(type[0]);
  const inner = contents[0] === 0n ? "" : Deno.UnsafePointerView.getCString(Deno.UnsafePointer.create(contents[0])!);
  if ("aerv".includes(code)) {
    check(lib.sd_bus_message_enter_container(m, type[0], cstr(inner)), "enter container");
    const items: DBusValue[] = [];
    if (code === "v") {
      const value = readValue(lib, m);
      check(lib.sd_bus_message_exit_container(m), "exit container");
      return { signature: inner, value };
    }
    while (check(lib.sd_bus_message_peek_type(m, type, contents), "peek") > 0) items.push(readValue(lib, m));
    check(lib.sd_bus_message_exit_container(m), "exit container");
    return items;
  }
  const out = new DataView(new ArrayBuffer(8));
  const bytes = new Uint8Array(out.buffer);
  check(lib.sd_bus_message_read_basic(m, type[0], bytes), "read");
  switch (code) {
    case "y":
      return out.getUint8(0);
    case "b":
      return out.getInt32(0, true) !== 0;
    case "n":
      return out.getInt16(0, true);
    case "q":
      return out.getUint16(0, true);
    case "i":
    case "h":
      return out.getInt32(0, true);
    case "u":
      return out.getUint32(0, true);
    case "x": {
      const v = out.getBigInt64(0, true);
      return v <= SAFE && v >= -SAFE ? Number(v) : v;
    }
    case "t": {
      const v = out.getBigUint64(0, true);
      return v <= SAFE ? Number(v) : v;
    }
    case "d":
      return out.getFloat64(0, true);
    case "s":
    case "o":
    case "g": {
      const pointer = Deno.UnsafePointer.create(out.getBigUint64(0, true));
      return pointer === null ? "" : Deno.UnsafePointerView.getCString(pointer);
    }
    default:
      throw new DBusConnectionError(`A D-Bus reply holds a value of unknown type '${code}'.`);
  }
}

/** Appends one basic value of type `code` to a message being built. */
function appendBasic(lib: SdBusSymbols, m: Deno.PointerObject, code: string, value: DBusValue): void {
  const t = code.charCodeAt(0);
  if (code === "s" || code === "o" || code === "g") {
    // For strings sd-bus takes the string itself, not a pointer to it.
    check(lib.sd_bus_message_append_basic(m, t, cstr(String(value))), "append");
    return;
  }
  const data = new DataView(new ArrayBuffer(8));
  if (typeof value !== "number" && typeof value !== "bigint" && typeof value !== "boolean") {
    throw new DBusConnectionError(`The D-Bus client sends only basic values; '${code}' got ${typeof value}.`);
  }
  const n = typeof value === "boolean" ? (value ? 1 : 0) : value;
  switch (code) {
    case "y":
      data.setUint8(0, Number(n));
      break;
    case "b":
    case "i":
    case "h":
      data.setInt32(0, Number(n), true);
      break;
    case "n":
      data.setInt16(0, Number(n), true);
      break;
    case "q":
      data.setUint16(0, Number(n), true);
      break;
    case "u":
      data.setUint32(0, Number(n), true);
      break;
    case "x":
      data.setBigInt64(0, BigInt(n), true);
      break;
    case "t":
      data.setBigUint64(0, BigInt(n), true);
      break;
    case "d":
      data.setFloat64(0, Number(n), true);
      break;
    default:
      throw new DBusConnectionError(`The D-Bus client sends only basic values; '${code}' is a container.`);
  }
  check(lib.sd_bus_message_append_basic(m, t, new Uint8Array(data.buffer)), "append");
}

/** A blocking connection to a D-Bus socket. */
export class DBusConnection {
  #lib: SdBusSymbols;
  #bus: Deno.PointerObject | null;
  readonly #timeoutMs: number;

  private constructor(lib: SdBusSymbols, bus: Deno.PointerObject, timeoutMs: number) {
    this.#lib = lib;
    this.#bus = bus;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Connects to a unix socket and authenticates as this process's uid (sd-bus's EXTERNAL). With
   * `bus`, the peer is a bus daemon and gets a Hello first. `undefined` when the socket is absent
   * or refuses us; LibsystemdUnavailableError when libsystemd is missing.
   */
  static open(path: string, bus: boolean, timeoutSeconds = 5): DBusConnection | undefined {
    try {
      if (!Deno.statSync(path).isSocket) return undefined;
    } catch {
      return undefined;
    }
    const lib = sdBus();
    const out = new BigUint64Array(1);
    if (lib.sd_bus_new(out) < 0) return undefined;
    const handle = Deno.UnsafePointer.create(out[0])!;
    const conn = new DBusConnection(lib, handle, timeoutSeconds * 1000);
    try {
      check(lib.sd_bus_set_address(handle, cstr(unixAddress(path))), "set address");
      check(lib.sd_bus_set_bus_client(handle, bus ? 1 : 0), "set bus client");
      check(lib.sd_bus_negotiate_fds(handle, 0), "negotiate fds"); // we pass no descriptors
      check(lib.sd_bus_start(handle), "connect");
      return conn;
    } catch {
      conn.close();
      return undefined;
    }
  }

  #handle(): Deno.PointerObject {
    if (this.#bus === null) throw new DBusConnectionError("The D-Bus connection is closed.");
    return this.#bus;
  }

  #newCall(call: MethodCall): Deno.PointerObject {
    const lib = this.#lib;
    const out = new BigUint64Array(1);
    const opt = (s: string | undefined) => s === undefined ? null : cstr(s);
    check(
      lib.sd_bus_message_new_method_call(
        this.#handle(),
        out,
        opt(call.destination),
        cstr(call.path),
        opt(call.interface),
        cstr(call.member),
      ),
      `${call.member} call`,
    );
    const m = Deno.UnsafePointer.create(out[0])!;
    try {
      const signature = call.signature ?? "";
      const body = call.body ?? [];
      if (signature.length !== body.length) {
        throw new DBusConnectionError(`${call.member}: signature '${signature}' does not match ${body.length} values.`);
      }
      for (let i = 0; i < body.length; i++) appendBasic(lib, m, signature[i], body[i]);
      return m;
    } catch (e) {
      lib.sd_bus_message_unref(m);
      throw e;
    }
  }

  /** Sends every call at once, then collects the replies in call order (signals are ignored). */
  call(calls: MethodCall[]): CallResult[] {
    if (calls.length === 0) return [];
    const lib = this.#lib;
    const bus = this.#handle();
    const index = new Map<bigint, number>();
    const cookie = new BigUint64Array(1);
    calls.forEach((call, i) => {
      const m = this.#newCall(call);
      try {
        check(lib.sd_bus_send(bus, m, cookie), `${call.member} send`);
      } finally {
        lib.sd_bus_message_unref(m);
      }
      index.set(cookie[0], i);
    });
    const results = new Array<CallResult | undefined>(calls.length);
    let remaining = calls.length;
    const deadline = Date.now() + this.#timeoutMs;
    const received = new BigUint64Array(1);
    const type = new Uint8Array(1);
    while (remaining > 0) {
      received[0] = 0n;
      const r = check(lib.sd_bus_process(bus, received), "process");
      const m = Deno.UnsafePointer.create(received[0]);
      if (m !== null) {
        try {
          check(lib.sd_bus_message_get_type(m, type), "message type");
          if (type[0] !== MESSAGE_TYPE.METHOD_RETURN && type[0] !== MESSAGE_TYPE.METHOD_ERROR) continue;
          if (lib.sd_bus_message_get_reply_cookie(m, cookie) < 0) continue;
          const i = index.get(cookie[0]);
          if (i === undefined || results[i]) continue;
          results[i] = type[0] === MESSAGE_TYPE.METHOD_RETURN ? { ok: true, body: this.#body(m) } : {
            ok: false,
            error: this.#errorName(m),
          };
          remaining--;
        } finally {
          lib.sd_bus_message_unref(m);
        }
      }
      if (r > 0) continue;
      const left = deadline - Date.now();
      if (left <= 0) throw new DBusConnectionError(`The D-Bus peer did not answer ${remaining} calls in time.`);
      check(lib.sd_bus_wait(bus, BigInt(left) * 1000n), "wait");
    }
    return results as CallResult[];
  }

  #body(m: Deno.PointerObject): DBusValue[] {
    const lib = this.#lib;
    const type = new Uint8Array(1);
    const contents = new BigUint64Array(1);
    const body: DBusValue[] = [];
    while (check(lib.sd_bus_message_peek_type(m, type, contents), "peek") > 0) body.push(readValue(lib, m));
    return body;
  }

  #errorName(m: Deno.PointerObject): string {
    const error = this.#lib.sd_bus_message_get_error(m);
    const name = error === null ? null : Deno.UnsafePointer.create(new Deno.UnsafePointerView(error).getBigUint64(0));
    return name === null ? "org.freedesktop.DBus.Error.Failed" : Deno.UnsafePointerView.getCString(name);
  }

  /** Flushes what is queued and closes the connection. */
  close(): void {
    if (this.#bus !== null) this.#lib.sd_bus_flush_close_unref(this.#bus);
    this.#bus = null;
  }
}
