/**
 * A small ZIP (and JAR) reader: finds one member through the central directory and inflates it.
 * Enough for plugin descriptors; damaged archives yield undefined, never an exception.
 *
 * @module
 */
import { inflateRawSync } from "node:zlib";

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

/** Reads `member` (exact path inside the archive) from ZIP bytes; undefined when absent or unreadable. */
export function readZipMember(zip: Uint8Array, member: string): Uint8Array | undefined {
  try {
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    // The end-of-central-directory record sits in the last 64 KiB + 22 bytes.
    let eocd = -1;
    for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
      if (view.getUint32(i, true) === EOCD_SIG) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) return undefined;
    const entries = view.getUint16(eocd + 10, true);
    let pos = view.getUint32(eocd + 16, true);
    const want = new TextEncoder().encode(member);
    for (let n = 0; n < entries; n++) {
      if (pos + 46 > zip.length || view.getUint32(pos, true) !== CEN_SIG) return undefined;
      const method = view.getUint16(pos + 10, true);
      const compressed = view.getUint32(pos + 20, true);
      const nameLen = view.getUint16(pos + 28, true);
      const extraLen = view.getUint16(pos + 30, true);
      const commentLen = view.getUint16(pos + 32, true);
      const local = view.getUint32(pos + 42, true);
      const name = zip.subarray(pos + 46, pos + 46 + nameLen);
      if (name.length === want.length && name.every((b, i) => b === want[i])) {
        if (local + 30 > zip.length || view.getUint32(local, true) !== LOC_SIG) return undefined;
        const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
        const data = zip.subarray(start, start + compressed);
        if (method === 0) return data.slice();
        if (method === 8) return new Uint8Array(inflateRawSync(data));
        return undefined;
      }
      pos += 46 + nameLen + extraLen + commentLen;
    }
    return undefined;
  } catch {
    return undefined;
  }
}
