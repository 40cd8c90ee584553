/**
 * Converting between SQLite values (sqlite3_value*, sqlite3_context*) and JavaScript values.
 *
 * @module
 */
import { readBytes, readSqliteText, SQLITE, sqlite, TextScratch, TRANSIENT } from "./ffi.ts";

/** A value as osq moves it between SQLite and TypeScript. */
export type SqlValue = string | number | bigint | Uint8Array | null;

const scratch = new TextScratch();
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

/** A 64-bit integer as a number when it is exactly representable, else as a bigint. */
export function narrow(n: number | bigint): number | bigint {
  return typeof n === "bigint" && n <= MAX_SAFE && n >= MIN_SAFE ? Number(n) : n;
}

/** Reads one `sqlite3_value*` (by address) as a JavaScript value. */
export function readValue(value: bigint): SqlValue {
  const s = sqlite();
  switch (s.sqlite3_value_type(value)) {
    case SQLITE.INTEGER:
      return narrow(s.sqlite3_value_int64(value));
    case SQLITE.FLOAT:
      return s.sqlite3_value_double(value);
    case SQLITE.TEXT: {
      const address = s.sqlite3_value_text(value);
      return readSqliteText(address, s.sqlite3_value_bytes(value));
    }
    case SQLITE.BLOB: {
      const length = s.sqlite3_value_bytes(value);
      return readBytes(s.sqlite3_value_blob(value), length);
    }
    default:
      return null;
  }
}

/** Reads the `argc` values of a function's `argv` array. */
export function readArgs(argc: number, argv: bigint): SqlValue[] {
  const out: SqlValue[] = new Array(argc);
  if (argc === 0) return out;
  const p = Deno.UnsafePointer.create(BigInt(argv));
  if (p === null) return out;
  const view = new Deno.UnsafePointerView(p);
  for (let i = 0; i < argc; i++) out[i] = readValue(view.getBigUint64(i * 8));
  return out;
}

/** Sets a text result. */
export function resultText(ctx: bigint, text: string): void {
  const n = scratch.encodeLength(text);
  sqlite().sqlite3_result_text(ctx, scratch.buffer, n, TRANSIENT);
}

/** Sets an integer result from a number or bigint. */
export function resultInteger(ctx: bigint, n: number | bigint): void {
  const s = sqlite();
  if (typeof n === "number") {
    if (n >= INT32_MIN && n <= INT32_MAX && Number.isInteger(n)) s.sqlite3_result_int(ctx, n);
    else if (Number.isSafeInteger(n)) s.sqlite3_result_int64(ctx, BigInt(n));
    else if (Number.isFinite(n)) s.sqlite3_result_int64(ctx, BigInt(Math.trunc(n)));
    else s.sqlite3_result_null(ctx);
  } else {
    s.sqlite3_result_int64(ctx, BigInt.asIntN(64, n));
  }
}

/** Sets a result from any value, choosing SQLite's type from the JavaScript type. */
export function resultValue(ctx: bigint, value: SqlValue | boolean | undefined): void {
  const s = sqlite();
  if (value === null || value === undefined) s.sqlite3_result_null(ctx);
  else if (typeof value === "string") resultText(ctx, value);
  else if (typeof value === "number") {
    if (Number.isInteger(value)) resultInteger(ctx, value);
    else s.sqlite3_result_double(ctx, value);
  } else if (typeof value === "bigint") resultInteger(ctx, value);
  else if (typeof value === "boolean") s.sqlite3_result_int(ctx, value ? 1 : 0);
  else if (value.length === 0) s.sqlite3_result_zeroblob(ctx, 0);
  else {
    const copy = new Uint8Array(new ArrayBuffer(value.length));
    copy.set(value);
    s.sqlite3_result_blob(ctx, copy, copy.length, TRANSIENT);
  }
}

/** Reports an error from a function or virtual-table callback. */
export function resultError(ctx: bigint, message: string): void {
  const [buf, n] = scratch.encode(message);
  sqlite().sqlite3_result_error(ctx, buf, n);
}
