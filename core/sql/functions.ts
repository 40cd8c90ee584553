/**
 * osquery's SQL additions, registered on every connection: math, string splitting and regex
 * helpers, concatenation, IPv4/CIDR helpers, hashing, base64, Community ID, path helpers,
 * `version_compare` and the `version*` collations, and `sleep`.
 *
 * Semantics (NULL handling, error texts, edge cases) follow osquery's; the implementation is ours.
 *
 * @module
 */
import { nodeCrypto } from "../runtime/node_builtins.ts";
import type { Database } from "../sqlite/database.ts";
import type { SqlValue } from "../sqlite/values.ts";
import { defineFlag, flags } from "../flags/flags.ts";
import { compareVersions, type VersionFlavor } from "./version.ts";
import "../carver/flags.ts";
import { carveStore } from "../carver/store.ts";
import { charLength, Regex, RegexCache, slice } from "./pcre.ts";

defineFlag({
  name: "regex_max_size",
  type: "uint32",
  default: 256,
  description: "Largest regular expression, in bytes, that regex_match and regex_split accept",
  hidden: true,
});

/** Raised by a SQL function; its message becomes the query's error. */
export class SqlFunctionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SqlFunctionError";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function text(v: SqlValue): string {
  if (v === null) return "";
  if (v instanceof Uint8Array) return decoder.decode(v);
  return String(v);
}

function toDouble(v: SqlValue): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  const n = parseFloat(text(v));
  return Number.isNaN(n) ? 0 : n;
}

function toInt(v: SqlValue): number {
  if (typeof v === "number") return Math.trunc(v);
  if (typeof v === "bigint") return Number(v);
  const n = parseInt(text(v), 10);
  return Number.isNaN(n) ? 0 : n;
}

/** A one-argument math function: NULL in, NULL out; a domain error is a query error. */
function math(fn: (x: number) => number): (x: SqlValue) => SqlValue {
  return (x) => {
    if (x === null) return null;
    const result = fn(toDouble(x));
    if (Number.isNaN(result)) throw new SqlFunctionError("Numerical argument out of domain");
    if (!Number.isFinite(result)) throw new SqlFunctionError("Numerical result out of range");
    return result;
  };
}

/** ceil/floor: integers pass through unchanged; other values round and become integers. */
function rounding(fn: (x: number) => number): (x: SqlValue) => SqlValue {
  return (x) => {
    if (x === null) return null;
    if (typeof x === "bigint") return x;
    if (typeof x === "number" && Number.isInteger(x)) return x;
    const r = fn(toDouble(x));
    return Number.isSafeInteger(r) ? r : BigInt.asIntN(64, BigInt(Math.trunc(r)));
  };
}

/** Splits on any character of `tokens`, drops empty pieces and trims each (osquery's split). */
export function tokenSplit(input: string, tokens: string): string[] {
  const out: string[] = [];
  let piece = "";
  for (const ch of input) {
    if (tokens.includes(ch)) {
      if (piece.length) out.push(piece);
      piece = "";
    } else piece += ch;
  }
  if (piece.length) out.push(piece);
  return out.map((p) => p.trim());
}

/** Compiled patterns shared by regex_match and regex_split (per thread). */
const regexCache = new RegexCache();

function compileRegex(source: string): Regex {
  const max = flags.number("regex_max_size");
  if (encoder.encode(source).length > max) {
    throw new SqlFunctionError(`Invalid regex: too big, max size is ${max} bytes`);
  }
  try {
    return regexCache.get(source);
  } catch (err) {
    throw new SqlFunctionError(`Invalid regex: ${(err as Error).message}`);
  }
}

/** Runs one bounded match, then stops if the statement was cancelled (Ctrl-C, a time limit). */
function boundedExec(
  name: string,
  regex: Regex,
  subject: Uint8Array,
  start: number,
  cancel: Int32Array | undefined,
): ([number, number] | undefined)[] | undefined {
  let match;
  try {
    match = regex.exec(subject, start);
  } catch (err) {
    throw new SqlFunctionError(`${name}: ${(err as Error).message}`);
  }
  if (cancel && Atomics.load(cancel, 0) !== 0) throw new SqlFunctionError("interrupted");
  return match;
}

/** The text between matches of `regex` (a non-empty trailing remainder included). */
export function regexSplit(input: string, regex: Regex, cancel?: Int32Array): string[] {
  const subject = encoder.encode(input);
  const out: string[] = [];
  let last = 0;
  let from = 0;
  let matched = false;
  while (from <= subject.length) {
    const m = boundedExec("regex_split", regex, subject, from, cancel);
    if (!m || !m[0]) break;
    const [start, end] = m[0];
    matched = true;
    out.push(slice(subject, [last, start]));
    last = end;
    // An empty match moves on by one character, as JavaScript's matchAll does.
    from = end > start ? end : end + (end < subject.length ? charLength(subject, end) : 1);
  }
  const rest = slice(subject, [last, subject.length]);
  if (rest.length || !matched && input.length) out.push(rest);
  return out;
}

function splitFunction(splitter: (input: string, token: string) => string[]) {
  return (input: SqlValue, token: SqlValue, index: SqlValue): SqlValue => {
    if (input === null || token === null || index === null) return null;
    const t = text(token);
    if (t === "") throw new SqlFunctionError("Invalid input to split function");
    const pieces = splitter(text(input), t);
    const i = toInt(index);
    return i >= 0 && i < pieces.length ? pieces[i] : null;
  };
}

/** Dotted IPv4 text to its integer value, or null. */
export function inetAton(address: string): number | null {
  if (address.includes(":")) return null;
  const parts = address.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

/** Parses an IPv4 or IPv6 address into bytes; undefined when it is not one. */
export function parseIp(address: string): Uint8Array | undefined {
  const v4 = inetAton(address);
  if (v4 !== null) return new Uint8Array([v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255]);
  if (!address.includes(":")) return undefined;
  let head = address;
  let tail4: Uint8Array | undefined;
  const lastColon = address.lastIndexOf(":");
  const maybe4 = address.slice(lastColon + 1);
  if (maybe4.includes(".")) {
    tail4 = parseIp(maybe4);
    if (!tail4 || tail4.length !== 4) return undefined;
    head = address.slice(0, lastColon + 1) + "0:0";
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const parse = (s: string) => (s === "" ? [] : s.split(":"));
  const left = parse(halves[0]);
  const right = halves.length === 2 ? parse(halves[1]) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...new Array(halves.length === 2 ? missing : 0).fill("0"), ...right];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-f]{1,4}$/i.test(groups[i])) return undefined;
    const n = parseInt(groups[i], 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 255;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

/** 1 when `ip` is a host of the `cidr` network (IPv4 excludes the network and broadcast addresses). */
export function inCidrBlock(cidr: string, ip: string): number {
  const address = parseIp(ip);
  if (!address) throw new SqlFunctionError("IP address cannot be parsed");
  const family = address.length === 4 ? "v4" : "v6";
  const slash = cidr.indexOf("/");
  const network = slash > 0 ? parseIp(cidr.slice(0, slash)) : undefined;
  const prefixText = slash > 0 ? cidr.slice(slash + 1) : "";
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
  if (!network || network.length !== address.length || prefix < 0 || prefix > address.length * 8) {
    throw new SqlFunctionError(`CIDR for IP address ${family} cannot be parsed`);
  }
  const bits = address.length * 8;
  const toBig = (b: Uint8Array) => b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  const base = toBig(network) & mask;
  const value = toBig(address);
  if ((value & mask) !== base) return 0;
  if (family === "v4" && prefix < 31) {
    const broadcast = base | (~mask & ((1n << 32n) - 1n));
    if (value === base || value === broadcast) return 0;
  }
  return 1;
}

/** True when every byte is printable ASCII (0x20..0x7e). */
function isPrintable(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b < 0x20 || b > 0x7e) return false;
  return true;
}

function bytesOf(v: SqlValue): Uint8Array {
  return v instanceof Uint8Array ? v : encoder.encode(text(v));
}

/** Decodes base64; invalid input gives "" (osquery's behaviour). */
export function fromBase64(input: string): string {
  try {
    return decoder.decode(Uint8Array.fromBase64(input.replace(/\s+/g, "")));
  } catch {
    return "";
  }
}

function hashText(algorithm: "md5" | "sha1" | "sha256") {
  return (v: SqlValue): SqlValue => {
    if (v === null) return null;
    // osquery hashes the text up to its first NUL byte.
    const t = text(v);
    const nul = t.indexOf("\0");
    return nodeCrypto().createHash(algorithm).update(nul >= 0 ? t.slice(0, nul) : t).digest("hex");
  };
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length; // IPv4 sorts before IPv6
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Community ID v1 of a flow (https://github.com/corelight/community-id-spec). */
export function communityIdV1(args: SqlValue[]): string {
  let seed = 0;
  if (args.length === 6) {
    const s = args[5];
    if (typeof s !== "number" && typeof s !== "bigint" || !Number.isInteger(Number(s))) {
      throw new SqlFunctionError("Community ID seed must be an integer");
    }
    if (Number(s) < -32768 || Number(s) > 32767) throw new SqlFunctionError("Community ID seed must fit in 2 bytes");
    seed = Number(s) & 0xffff;
  }
  const [sa, da, sp, dp, pr] = args;
  if (typeof sa !== "string" || typeof da !== "string") throw new SqlFunctionError("Community ID IPs must be strings");
  let saddr = parseIp(sa);
  if (!saddr) throw new SqlFunctionError("Community ID saddr cannot be parsed as IP");
  let daddr = parseIp(da);
  if (!daddr) throw new SqlFunctionError("Community ID daddr cannot be parsed as IP");
  const isInt = (v: SqlValue) => typeof v === "bigint" || typeof v === "number" && Number.isInteger(v);
  if (!isInt(sp) || !isInt(dp)) throw new SqlFunctionError("Community ID ports must be integers");
  let sport = Number(sp);
  let dport = Number(dp);
  if (sport < 0 || sport > 65535 || dport < 0 || dport > 65535) {
    throw new SqlFunctionError("Community ID ports must fit in 2 bytes");
  }
  if (!isInt(pr)) throw new SqlFunctionError("Community ID protocol must be an integer");
  const proto = Number(pr);
  if (proto < 0 || proto > 255) throw new SqlFunctionError("Community ID protocol must fit in 1 byte");
  const order = compareBytes(saddr, daddr);
  if (!(order < 0 || (order === 0 && sport < dport))) {
    [saddr, daddr] = [daddr, saddr];
    [sport, dport] = [dport, sport];
  }
  const buf = new Uint8Array(2 + saddr.length + daddr.length + 2 + 4);
  const view = new DataView(buf.buffer);
  view.setUint16(0, seed);
  buf.set(saddr, 2);
  buf.set(daddr, 2 + saddr.length);
  let o = 2 + saddr.length + daddr.length;
  buf[o++] = proto;
  buf[o++] = 0;
  view.setUint16(o, sport);
  view.setUint16(o + 2, dport);
  return "1:" + nodeCrypto().createHash("sha1").update(buf).digest("base64");
}

/** Finds the program path at the start of a launch command (osquery's find_file_path_in_cmd). */
function programPath(command: string, escape: string, quoting: boolean, shortest: boolean): string {
  const isFile = (p: string) => {
    try {
      return !Deno.statSync(p).isDirectory;
    } catch {
      return false;
    }
  };
  let pos = 0;
  while (pos < command.length && /\s/.test(command[pos])) pos++;
  let current = "";
  let found = "";
  let quoted = false;
  let escaped = false;
  for (; pos < command.length; pos++) {
    const ch = command[pos];
    if (escaped) {
      current += ch;
      escaped = false;
      continue;
    }
    if (quoting && ch === '"') {
      quoted = !quoted;
      continue;
    }
    if (ch === escape) {
      escaped = true;
      continue;
    }
    if (!quoted && /\s/.test(ch) && isFile(current)) {
      found = current;
      if (shortest) break;
    }
    current += ch;
  }
  if ((found === "" || !shortest) && isFile(current)) found = current;
  return found;
}

function programPathArgs(args: SqlValue[], shortest: boolean): string | undefined {
  if (args.length === 0 || args.some((a) => a === null)) return undefined;
  const quoting = args.length > 1 ? toInt(args[1]) !== 0 : false;
  let escape = "\\";
  if (args.length > 2) {
    const e = text(args[2]);
    if ([...e].length !== 1) return undefined;
    escape = e;
  }
  return programPath(text(args[0]), escape, quoting, shortest);
}

/** The parent directory of a path (text before the last '/'), or NULL when there is none. */
export function parentDirectory(path: string): string | null {
  const i = path.lastIndexOf("/");
  return i < 0 ? null : path.slice(0, i);
}

/** Options of {@linkcode registerSqlFunctions}. */
export interface SqlFunctionOptions {
  /**
   * The engine's cancellation flag (element 0 non-zero = cancel): long-running functions (sleep,
   * regex matching) check it and stop with "interrupted".
   */
  cancel?: Int32Array;
}

/** How often a sleeping function looks at the cancellation flag. */
const SLEEP_SLICE_MS = 50;

/** Registers osquery's functions and collations on a connection. */
export function registerSqlFunctions(db: Database, options: SqlFunctionOptions = {}): void {
  const cancel = options.cancel;
  const sleepCell = new Int32Array(new SharedArrayBuffer(4));
  const d = { deterministic: true };
  const one = { ...d, nArgs: 1 };
  const mathFns: Record<string, (x: number) => number> = {
    sqrt: Math.sqrt,
    acos: Math.acos,
    asin: Math.asin,
    atan: Math.atan,
    cos: Math.cos,
    sin: Math.sin,
    tan: Math.tan,
    cot: (x) => 1 / Math.tan(x),
    exp: Math.exp,
    log: Math.log,
    log10: Math.log10,
    degrees: (x) => (180 * x) / Math.PI,
    radians: (x) => (x * Math.PI) / 180,
  };
  for (const [name, fn] of Object.entries(mathFns)) db.function(name, math(fn), one);
  db.function("power", (x, y) => {
    if (x === null || y === null) return null;
    const r = Math.pow(toDouble(x), toDouble(y));
    if (Number.isNaN(r)) throw new SqlFunctionError("Numerical argument out of domain");
    return r;
  }, { ...d, nArgs: 2 });
  db.function("pi", () => Math.PI, { ...d, nArgs: 0 });
  db.function("ceil", rounding(Math.ceil), one);
  db.function("floor", rounding(Math.floor), one);

  db.function("split", splitFunction(tokenSplit), { ...d, nArgs: 3 });
  db.function("regex_split", splitFunction((input, token) => regexSplit(input, compileRegex(token), cancel)), {
    ...d,
    nArgs: 3,
  });
  db.function("regex_match", (input, regex, index) => {
    if (input === null || regex === null || index === null) return null;
    const re = compileRegex(text(regex));
    const subject = encoder.encode(text(input));
    const m = boundedExec("regex_match", re, subject, 0, cancel);
    if (!m) return null;
    const i = toInt(index);
    if (i < 0 || i >= m.length) return null;
    const range = m[i];
    return range ? slice(subject, range) : "";
  }, { ...d, nArgs: 3 });
  db.function("inet_aton", (v) => (v === null ? null : inetAton(text(v))), one);
  db.function("concat", (...args) => {
    if (args.length === 0) return null;
    return args.filter((a) => a !== null).map(text).join("");
  }, d);
  db.function("concat_ws", (...args) => {
    if (args.length === 0) throw new SqlFunctionError("Missing separator to concat_ws");
    if (args.length === 1) return null;
    const sep = args[0] === null ? "" : text(args[0]);
    let out = "";
    // osquery's quirk: the separator follows every non-NULL value that is not the last argument.
    for (let i = 1; i < args.length; i++) {
      if (args[i] === null) continue;
      out += text(args[i]);
      if (i + 1 < args.length) out += sep;
    }
    return out;
  }, d);

  db.function("version_compare", (...args) => {
    if (args.length < 2 || typeof args[0] !== "string" || typeof args[1] !== "string") {
      throw new SqlFunctionError("Must provide two version strings to compare.");
    }
    let flavor: VersionFlavor = "plain";
    if (args.length > 2) {
      if (typeof args[2] !== "string") throw new SqlFunctionError("The optional third parameter is not a string.");
      const f = args[2].toUpperCase();
      if (f === "ARCH" || f === "DPKG" || f === "RHEL") flavor = f.toLowerCase() as VersionFlavor;
      else throw new SqlFunctionError("The optional third parameter does not match one of: (ARCH, DPKG, RHEL).");
    }
    const c = compareVersions(args[0], args[1], flavor);
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }, d);
  db.collation("version", (a, b) => compareVersions(a, b, "plain"));
  db.collation("version_arch", (a, b) => compareVersions(a, b, "arch"));
  db.collation("version_dpkg", (a, b) => compareVersions(a, b, "dpkg"));
  db.collation("version_rhel", (a, b) => compareVersions(a, b, "rhel"));

  db.function("md5", hashText("md5"), one);
  db.function("sha1", hashText("sha1"), one);
  db.function("sha256", hashText("sha256"), one);
  db.function("community_id_v1", (...args) => {
    try {
      return communityIdV1(args);
    } catch (err) {
      // The lenient form returns NULL and warns, as osquery does.
      console.error(`W community_id_v1: ${(err as Error).message}`);
      return null;
    }
  }, d);
  db.function("community_id_v1_strict", (...args) => communityIdV1(args), d);

  db.function("to_base64", (v) => (v === null ? null : bytesOf(v).toBase64()), one);
  db.function("from_base64", (v) => (v === null ? null : fromBase64(text(v))), one);
  db.function("conditional_to_base64", (v) => {
    if (v === null) return null;
    const bytes = bytesOf(v);
    return isPrintable(bytes) ? text(v) : bytes.toBase64();
  }, one);

  db.function("in_cidr_block", (cidr, ip) => {
    if (typeof cidr !== "string") throw new SqlFunctionError("CIDR must be a string");
    if (typeof ip !== "string") throw new SqlFunctionError("IP address must be a string");
    return inCidrBlock(cidr, ip);
  }, { ...d, nArgs: 2 });

  db.function("parent_directory", (v) => {
    if (typeof v !== "string") throw new SqlFunctionError("Invalid inputs to parent_directory, TEXT was expected");
    return parentDirectory(v);
  }, one);
  db.function("find_file_path_in_cmd", (...args) => {
    const found = programPathArgs(args, true);
    if (found === undefined) throw new SqlFunctionError("Invalid inputs to find_binary_path_from_cmd");
    return found;
  }, d);
  db.function("is_path_deterministic", (...args) => {
    const shortest = programPathArgs(args, true);
    if (shortest !== undefined) {
      if (shortest.length === 0 || shortest.length === text(args[0]).length) return 1;
      const longest = programPathArgs(args, false);
      if (longest !== undefined) return shortest.length === longest.length ? 1 : 0;
    }
    throw new SqlFunctionError("Invalid inputs to is_path_deterministic");
  }, d);

  db.function("sleep", (v) => {
    if (typeof v !== "number" && typeof v !== "bigint") return 0;
    const seconds = Number(v);
    if (!(seconds > 0)) return 0;
    // Slept in slices so Ctrl-C and query time limits (which raise the cancel flag) end it.
    const deadline = performance.now() + seconds * 1000;
    for (let left = seconds * 1000; left > 0; left = deadline - performance.now()) {
      if (cancel && Atomics.load(cancel, 0) !== 0) throw new SqlFunctionError("interrupted");
      Atomics.wait(cancel ?? sleepCell, 0, 0, Math.min(left, SLEEP_SLICE_MS));
    }
    if (cancel && Atomics.load(cancel, 0) !== 0) throw new SqlFunctionError("interrupted");
    return seconds;
  }, { nArgs: 1 });

  // carve(path): an aggregate that requests one carve of every path it saw (when
  // --carver_disable_function=false). osquery truncates its answer to 13 characters ("Carve
  // Started"); we keep the whole text, which names the carve's GUID.
  db.aggregate<Set<string>>("carve", {
    init: () => new Set<string>(),
    step(paths, path) {
      if (path !== null) paths.add(typeof path === "string" ? path : String(path));
    },
    final(paths) {
      if (flags.bool("carver_disable_function")) return "Carve Failed: function disabled";
      if (!paths || paths.size === 0) return "Carve Failed: no paths to carve";
      return `Carve Started: ${carveStore.request([...paths], crypto.randomUUID())}`;
    },
  }, { nArgs: 1 });
}
