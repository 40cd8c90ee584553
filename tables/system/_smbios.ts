/**
 * SMBIOS (DMI) structure table reading, shared by smbios_tables, platform_info, system_info and
 * cpu_info. Linux exposes the raw structure table at /sys/firmware/dmi/tables/DMI (kernel 4.2+);
 * osquery falls back to scanning /dev/mem on older kernels, which we deliberately do not do.
 *
 * @module
 */
import type { Host } from "../../core/host/host.ts";
import type { ColumnSpec, Row } from "../../core/table.ts";
import { readBytes } from "./_lib.ts";

/** SMBIOS structure types the tables use. */
export const SMBIOS_TYPE = {
  BIOS: 0,
  SYSTEM: 1,
  BOARD: 2,
  PROCESSOR: 4,
  OEM_STRINGS: 11,
  MEMORY_ARRAY: 16,
  MEMORY_DEVICE: 17,
  MEMORY_ERROR_INFO_32: 18,
  MEMORY_ARRAY_MAPPED_ADDRESS: 19,
  MEMORY_DEVICE_MAPPED_ADDRESS: 20,
} as const;

/** One SMBIOS structure: its formatted area and the string set after it. */
export interface SmbiosStructure {
  /** Position in the table, from 0. */
  index: number;
  type: number;
  /** Length of the formatted area (the header's length byte). */
  headerSize: number;
  handle: number;
  /** The whole structure: formatted area, strings and the terminating double NUL. */
  bytes: Uint8Array;
}

/** The raw SMBIOS structure table of `host`, or `undefined` when the firmware does not expose one. */
export function readSmbiosTable(host: Host): Uint8Array | undefined {
  const data = readBytes(host.path("/sys/firmware/dmi/tables/DMI"));
  return data && data.length > 0 ? data : undefined;
}

/**
 * Walks the structures of a raw SMBIOS table. A structure whose formatted area would run past
 * the data, or a zero header (padding), ends the walk: what follows cannot be trusted.
 */
export function parseSmbios(data: Uint8Array): SmbiosStructure[] {
  const out: SmbiosStructure[] = [];
  let at = 0;
  while (at + 4 <= data.length) {
    const type = data[at];
    const length = data[at + 1];
    const handle = data[at + 2] | (data[at + 3] << 8);
    if (at + length > data.length) break;
    if (length === 0 && handle === 0) break;
    if (length < 4) break; // a header shorter than itself: corrupt
    // The string set ends at the first double NUL after the formatted area. Like osquery, the scan stops
    // four bytes short of the end, so sizes and hashes of a final structure match osquery's.
    let next = at + length;
    for (; next + 4 <= data.length; next++) {
      if (data[next] === 0 && data[next + 1] === 0) {
        next += 2;
        break;
      }
    }
    out.push({ index: out.length, type, headerSize: length, handle, bytes: data.subarray(at, next) });
    at = next;
  }
  return out;
}

/**
 * String number `n` (1-based) of a structure's string set; "" for 0, for an out-of-range
 * number, or when the string set is not NUL-terminated. Trailing spaces are trimmed.
 */
export function dmiString(s: SmbiosStructure, n: number): string {
  const text = s.bytes.subarray(s.headerSize);
  if (n === 0 || text.length === 0 || text[text.length - 1] !== 0) return "";
  let start = 0;
  for (let i = 1; i < n; i++) {
    const end = text.indexOf(0, start);
    if (end < 0 || end + 1 >= text.length) return "";
    start = end + 1;
    if (text[start] === 0) return ""; // ran into the terminating double NUL
  }
  const end = text.indexOf(0, start);
  return new TextDecoder().decode(text.subarray(start, end < 0 ? text.length : end)).replace(/\s+$/, "");
}

/** A byte of the formatted area (0 past its end). */
export function byteAt(s: SmbiosStructure, offset: number): number {
  return offset < s.bytes.length ? s.bytes[offset] : 0;
}

/** A little-endian 16-bit word of the formatted area. */
export function wordAt(s: SmbiosStructure, offset: number): number {
  return byteAt(s, offset) | (byteAt(s, offset + 1) << 8);
}

/** A little-endian 32-bit double word of the formatted area (unsigned). */
export function dwordAt(s: SmbiosStructure, offset: number): number {
  return (wordAt(s, offset) + wordAt(s, offset + 2) * 0x10000) >>> 0;
}

/** A little-endian 64-bit quad word of the formatted area. */
export function qwordAt(s: SmbiosStructure, offset: number): bigint {
  return BigInt(dwordAt(s, offset)) | (BigInt(dwordAt(s, offset + 4)) << 32n);
}

/** A number as osquery prints SMBIOS handles and addresses: "0x", lower-case hex, zero-padded to `width` digits. */
export function hexString(value: number | bigint, width = 4): string {
  return "0x" + value.toString(16).padStart(width, "0");
}

/**
 * The bit names set in `bits`, space-separated, in bit order (osquery's rendering of SMBIOS bit fields);
 * bits without a name are left out.
 */
export function bitNames(bits: number, names: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < names.length; i++) if (bits & (1 << i)) out.push(names[i]);
  return out.join(" ");
}

/**
 * The structures of one type whose formatted area is at least `minHeader` bytes long (shorter ones, from
 * older SMBIOS versions or corrupt tables, lack the fields a table reads and are skipped).
 */
export function structuresOfType(structures: SmbiosStructure[], type: number, minHeader = 4): SmbiosStructure[] {
  return structures.filter((s) => s.type === type && s.headerSize >= minHeader);
}

/** True when the formatted area holds `size` bytes at `offset` (fields added by later SMBIOS versions may be absent). */
export function hasField(s: SmbiosStructure, offset: number, size: number): boolean {
  return offset + size <= s.headerSize;
}

/** The SMBIOS structures of `host`; empty when there is no table. */
export function smbiosStructures(host: Host): SmbiosStructure[] {
  const data = readSmbiosTable(host);
  return data ? parseSmbios(data) : [];
}

/**
 * A mapped range in osquery's rendering: the 32-bit KiB addresses as 8 hex digits, or — when the start reads
 * 0xFFFFFFFF — the 64-bit extended addresses (bytes) at `extendedAt` as at least 12 digits.
 */
export function mappedRange(
  s: SmbiosStructure,
  extendedAt: number,
): { starting_address: string; ending_address: string } {
  const start = dwordAt(s, 0x04);
  if (start !== 0xffffffff) {
    return { starting_address: hexString(start, 8), ending_address: hexString(dwordAt(s, 0x08), 8) };
  }
  if (!hasField(s, extendedAt, 16)) return { starting_address: "", ending_address: "" };
  return {
    starting_address: hexString(qwordAt(s, extendedAt), 12),
    ending_address: hexString(qwordAt(s, extendedAt + 8), 12),
  };
}

/** The columns {@linkcode mappedRange} fills, as the mapped-address tables declare them. */
export const MAPPED_RANGE_COLUMNS: readonly ColumnSpec[] = [
  {
    name: "starting_address",
    type: "TEXT",
    description: "First address of the range: KiB units as 8 hex digits, or bytes as 12+ when extended.",
  },
  {
    name: "ending_address",
    type: "TEXT",
    description: "Last address of the range, in the same form as starting_address.",
  },
];

/**
 * The rows of a mapped-address table (SMBIOS types 19 and 20): one per structure of `type` long
 * enough to hold the extended addresses at `extendedAt`, with its handle, its range and the
 * table's own `fields`.
 */
export function mappedAddressRows(
  host: Host,
  type: number,
  extendedAt: number,
  fields: (s: SmbiosStructure) => Row,
): Row[] {
  return structuresOfType(smbiosStructures(host), type, extendedAt).map((s) => ({
    handle: hexString(s.handle),
    ...mappedRange(s, extendedAt),
    ...fields(s),
  }));
}
