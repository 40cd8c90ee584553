/**
 * Builds SMBIOS structure tables byte by byte, for fixtures and tests: a real table's layout
 * (formatted area, then NUL-terminated strings, then a terminating NUL) without real firmware.
 *
 * @module
 */
import { concatBytes } from "../../core/bytes.ts";

/** One structure to encode: `fields` is the formatted area after the 4-byte header. */
export interface StructureSpec {
  type: number;
  handle: number;
  fields: number[];
  strings?: string[];
}

/** Encodes one structure. */
export function encodeStructure(s: StructureSpec): Uint8Array {
  const text = new TextEncoder();
  const parts: number[] = [s.type, s.fields.length + 4, s.handle & 0xff, s.handle >> 8, ...s.fields];
  const strings = s.strings ?? [];
  for (const str of strings) parts.push(...text.encode(str), 0);
  if (strings.length === 0) parts.push(0);
  parts.push(0);
  return new Uint8Array(parts);
}

/** Encodes structures back to back. */
export function encodeTable(structures: StructureSpec[]): Uint8Array {
  return concatBytes(structures.map(encodeStructure));
}

const word = (n: number) => [n & 0xff, (n >> 8) & 0xff];

/** A laptop-like table: BIOS, system (Lenovo), baseboard, one processor, end-of-table. */
export function sampleTable(): Uint8Array {
  const bios: StructureSpec = {
    type: 0,
    handle: 0x0000,
    // vendor, version, start segment F000, date, ROM size (64K * (n+1)), characteristics (8), ext (2), major, minor, EC major/minor
    fields: [1, 2, ...word(0xf000), 3, 0x0f, 0x80, 0x98, 0x8b, 0x3f, 0, 0, 0, 0, 0x03, 0x0d, 5, 17, 1, 2],
    strings: ["LENOVO", "N24ET56W (1.31 )", "02/19/2020"],
  };
  const system: StructureSpec = {
    type: 1,
    handle: 0x000f,
    fields: [1, 2, 3, 4, ...Array.from({ length: 16 }, (_, i) => i + 1), 6, 5, 6],
    strings: ["LENOVO", "20L6S1UE00", "ThinkPad T480", "PF1ABCDE", "LENOVO_MT_20L6", "ThinkPad T480"],
  };
  const board: StructureSpec = {
    type: 2,
    handle: 0x0010,
    fields: [1, 2, 3, 4, 0, 0x09, 0, 0, 0, 0x0a, 0],
    strings: ["LENOVO", "20L6S1UE00", "SDK0J40697 WIN", "L1HF81N00K2  "],
  };
  const processor: StructureSpec = {
    type: 4,
    handle: 0x0031,
    fields: [
      1, // 0x04 socket designation
      3, // 0x05 processor type: central processor
      0xcd, // 0x06 family
      2, // 0x07 manufacturer
      0xea,
      0x06,
      0x08,
      0x00,
      0xff,
      0xfb,
      0xeb,
      0xbf, // 0x08 processor id
      3, // 0x10 version
      0x8b, // 0x11 voltage
      ...word(100), // 0x12 external clock
      ...word(4200), // 0x14 max speed
      ...word(1900), // 0x16 current speed
      0x41, // 0x18 status: populated, enabled
      0x2c, // 0x19 upgrade
      ...word(0x2e),
      ...word(0x2f),
      ...word(0x30), // 0x1A-0x1F cache handles
      0,
      0,
      0, // 0x20-0x22 serial, asset tag, part number
      4,
      4,
      8, // 0x23 cores, 0x24 enabled cores, 0x25 threads
      ...word(0x00fc), // 0x26 characteristics (bit 2: 64-bit capable)
      ...word(0xcd), // 0x28 family 2
      ...word(4),
      ...word(4),
      ...word(8), // 0x2A-0x2F core/enabled/thread counts 2
    ],
    strings: ["U3E1", "Intel(R) Corporation", "Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz"],
  };
  const end: StructureSpec = { type: 127, handle: 0x0040, fields: [] };
  return encodeTable([bios, system, board, processor, end]);
}

const dword = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const qword = (n: bigint) => [...dword(Number(n & 0xffffffffn)), ...dword(Number(n >> 32n))];

/** A Physical Memory Array (type 16, SMBIOS 2.7 layout). Capacity in KiB; 0x80000000 means "see extended" (bytes). */
export function memoryArray(
  handle: number,
  a: {
    location: number;
    use: number;
    ecc: number;
    capacityKb: number;
    errorHandle: number;
    devices: number;
    extendedBytes?: bigint;
  },
): StructureSpec {
  return {
    type: 16,
    handle,
    fields: [
      a.location,
      a.use,
      a.ecc,
      ...dword(a.capacityKb),
      ...word(a.errorHandle),
      ...word(a.devices),
      ...qword(a.extendedBytes ?? 0n),
    ],
  };
}

/** A Memory Device (type 17, SMBIOS 3.2 layout up to the configured voltage). */
export function memoryDevice(
  handle: number,
  d: {
    array: number;
    totalWidth: number;
    dataWidth: number;
    size: number;
    extendedSize?: number;
    formFactor: number;
    set: number;
    memoryType: number;
    details: number;
    speed: number;
    configuredSpeed: number;
    voltages: [number, number, number];
    /** device locator, bank locator, manufacturer, serial, asset tag, part number */
    strings: string[];
  },
): StructureSpec {
  // An empty string is "no string" (number 0): encoding it would end the string set early.
  const present = d.strings.filter((s) => s !== "");
  const n = (i: number) => (d.strings[i] ? present.indexOf(d.strings[i]) + 1 : 0);
  return {
    type: 17,
    handle,
    fields: [
      ...word(d.array), // 0x04
      ...word(0xfffe), // 0x06 error information handle: not provided
      ...word(d.totalWidth), // 0x08
      ...word(d.dataWidth), // 0x0A
      ...word(d.size), // 0x0C
      d.formFactor, // 0x0E
      d.set, // 0x0F
      n(0), // 0x10 device locator
      n(1), // 0x11 bank locator
      d.memoryType, // 0x12
      ...word(d.details), // 0x13
      ...word(d.speed), // 0x15
      n(2), // 0x17 manufacturer
      n(3), // 0x18 serial
      n(4), // 0x19 asset tag
      n(5), // 0x1A part number
      2, // 0x1B attributes: rank 2
      ...dword(d.extendedSize ?? 0), // 0x1C
      ...word(d.configuredSpeed), // 0x20
      ...word(d.voltages[0]), // 0x22 minimum
      ...word(d.voltages[1]), // 0x24 maximum
      ...word(d.voltages[2]), // 0x26 configured
    ],
    strings: present,
  };
}

/** A 32-bit Memory Error Information structure (type 18). */
export function memoryErrorInfo(
  handle: number,
  e: {
    type: number;
    granularity: number;
    operation: number;
    syndrome: number;
    arrayAddress: number;
    deviceAddress: number;
    resolution: number;
  },
): StructureSpec {
  return {
    type: 18,
    handle,
    fields: [
      e.type,
      e.granularity,
      e.operation,
      ...dword(e.syndrome),
      ...dword(e.arrayAddress),
      ...dword(e.deviceAddress),
      ...dword(e.resolution),
    ],
  };
}

/** A Memory Array Mapped Address (type 19); a start of 0xFFFFFFFF defers to the 64-bit extended addresses. */
export function memoryArrayMappedAddress(
  handle: number,
  m: { start: number; end: number; array: number; width: number; extStart?: bigint; extEnd?: bigint },
): StructureSpec {
  return {
    type: 19,
    handle,
    fields: [
      ...dword(m.start),
      ...dword(m.end),
      ...word(m.array),
      m.width,
      ...qword(m.extStart ?? 0n),
      ...qword(m.extEnd ?? 0n),
    ],
  };
}

/** A Memory Device Mapped Address (type 20). */
export function memoryDeviceMappedAddress(
  handle: number,
  m: {
    start: number;
    end: number;
    device: number;
    arrayMapped: number;
    row: number;
    interleave: number;
    depth: number;
    extStart?: bigint;
    extEnd?: bigint;
  },
): StructureSpec {
  return {
    type: 20,
    handle,
    fields: [
      ...dword(m.start),
      ...dword(m.end),
      ...word(m.device),
      ...word(m.arrayMapped),
      m.row,
      m.interleave,
      m.depth,
      ...qword(m.extStart ?? 0n),
      ...qword(m.extEnd ?? 0n),
    ],
  };
}

/**
 * A server-like table for the memory and OEM-string tables: two memory arrays, three memory devices (one
 * slot empty, one DDR5) plus one too short to read, two error records, mapped addresses (32-bit and
 * extended), OEM strings, end-of-table.
 */
export function memoryTable(): Uint8Array {
  return encodeTable([
    { type: 11, handle: 0x0b00, fields: [4], strings: ["Dell System", "5[0000]", "   "] },
    memoryArray(0x1000, {
      location: 3,
      use: 3,
      ecc: 6,
      capacityKb: 0x80000000,
      errorHandle: 0xfffe,
      devices: 2,
      extendedBytes: 1n << 40n,
    }),
    memoryArray(0x1001, { location: 3, use: 3, ecc: 3, capacityKb: 0x01000000, errorHandle: 0x1011, devices: 1 }),
    memoryDevice(0x1100, {
      array: 0x1000,
      totalWidth: 72,
      dataWidth: 64,
      size: 0x7fff,
      extendedSize: 32768,
      formFactor: 0x09,
      set: 0,
      memoryType: 0x1a,
      details: 0x2080,
      speed: 3200,
      configuredSpeed: 2933,
      voltages: [1200, 1200, 1200],
      strings: ["DIMM_A1", "NODE 1", "Samsung", "12345678", "A1_AssetTag", "M393A4K40DB3-CWE    "],
    }),
    memoryDevice(0x1101, {
      array: 0x1000,
      totalWidth: 0xffff,
      dataWidth: 0xffff,
      size: 0,
      formFactor: 0x09,
      set: 0xff,
      memoryType: 0x02,
      details: 0x0004,
      speed: 0,
      configuredSpeed: 0xffff,
      voltages: [0, 0, 0],
      strings: ["DIMM_B1", "NODE 1", "NO DIMM", "NO DIMM", "NO DIMM", "NO DIMM"],
    }),
    memoryDevice(0x1102, {
      array: 0x1001,
      totalWidth: 64,
      dataWidth: 64,
      size: 16384,
      formFactor: 0x0d,
      set: 1,
      memoryType: 0x22,
      details: 0x4080,
      speed: 4800,
      configuredSpeed: 4800,
      voltages: [1100, 1100, 1100],
      strings: ["SODIMM0", "BANK 0", "Micron", "ABCDEF01", "", "MTC8C1084S1SC48BA1"],
    }),
    // A memory device cut short of SMBIOS 2.1's layout (ends at the memory type): skipped.
    {
      type: 17,
      handle: 0x1103,
      fields: [...word(0x1000), ...word(0xfffe), 64, 0, 64, 0, ...word(1024), 9, 0, 0, 0, 0x12],
    },
    memoryErrorInfo(0x1010, {
      type: 3,
      granularity: 2,
      operation: 2,
      syndrome: 0,
      arrayAddress: 0x80000000,
      deviceAddress: 0x80000000,
      resolution: 0x80000000,
    }),
    memoryErrorInfo(0x1011, {
      type: 0x0c,
      granularity: 3,
      operation: 3,
      syndrome: 0xdeadbeef,
      arrayAddress: 0x1000,
      deviceAddress: 0x200,
      resolution: 0x40,
    }),
    memoryArrayMappedAddress(0x1300, { start: 0, end: 0x01ffffff, array: 0x1000, width: 2 }),
    memoryArrayMappedAddress(0x1301, {
      start: 0xffffffff,
      end: 0xffffffff,
      array: 0x1001,
      width: 1,
      extStart: 0x400000000n,
      extEnd: 0x47fffffffn,
    }),
    memoryDeviceMappedAddress(0x1400, {
      start: 0,
      end: 0x01ffffff,
      device: 0x1100,
      arrayMapped: 0x1300,
      row: 1,
      interleave: 1,
      depth: 2,
    }),
    memoryDeviceMappedAddress(0x1401, {
      start: 0xffffffff,
      end: 0xffffffff,
      device: 0x1102,
      arrayMapped: 0x1301,
      row: 0xff,
      interleave: 0,
      depth: 0,
      extStart: 0x400000000n,
      extEnd: 0x47fffffffn,
    }),
    { type: 127, handle: 0xfeff, fields: [] },
  ]);
}

if (import.meta.main) {
  // Regenerates the committed fixtures:
  //   deno run -A tables/system/smbios_test_helpers.ts testdata/system/host_a/sys/firmware/dmi/tables/DMI
  //   deno run -A tables/system/smbios_test_helpers.ts testdata/system/server_smbios/sys/firmware/dmi/tables/DMI memory
  Deno.writeFileSync(Deno.args[0], Deno.args[1] === "memory" ? memoryTable() : sampleTable());
}
