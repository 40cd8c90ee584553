/**
 * Builds SMBIOS structure tables byte by byte, for fixtures and tests: a real table's layout
 * (formatted area, then NUL-terminated strings, then a terminating NUL) without real firmware.
 *
 * @module
 */

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
  const encoded = structures.map(encodeStructure);
  const out = new Uint8Array(encoded.reduce((n, e) => n + e.length, 0));
  let at = 0;
  for (const e of encoded) {
    out.set(e, at);
    at += e.length;
  }
  return out;
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

if (import.meta.main) {
  // Regenerates the committed fixture: deno run -A tables/system/_smbios_build.ts testdata/system/host_a/sys/firmware/dmi/tables/DMI
  Deno.writeFileSync(Deno.args[0], sampleTable());
}
