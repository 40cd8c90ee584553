/**
 * `disk_encryption`: whether each block device is dm-crypt encrypted, directly or through the
 * device it sits on, with the LUKS type, cipher and mode.
 *
 * osquery asks libcryptsetup; we read the same facts the library reads: the device-mapper UUID
 * (a `CRYPT-<TYPE>-...` UUID marks an active dm-crypt target) and the LUKS header on the
 * underlying device for the cipher.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { type BlockDevice, enumerateBlockDevices } from "./_block.ts";
import { readAttr } from "./_lib.ts";

export default registerTable(defineTable({
  name: "disk_encryption",
  description: "Encryption state of each block device (dm-crypt/LUKS), inherited from the device beneath.",
  columns: [
    { name: "name", type: "TEXT", index: true, description: "The block device node, e.g. /dev/dm-0." },
    { name: "uuid", type: "TEXT", collate: "nocase", description: "The UUID of what the device holds." },
    { name: "encrypted", type: "INTEGER", description: "1 when the device or one beneath it is dm-crypt, else 0." },
    { name: "type", type: "TEXT", description: "Crypt type, cipher and mode, e.g. LUKS2-aes-xts-plain64." },
    { name: "encryption_status", type: "TEXT", description: "encrypted or not encrypted." },
    { name: "uid", type: "TEXT", linuxHidden: true, description: "The user who unlocked the disk (macOS only)." },
    {
      name: "user_uuid",
      type: "TEXT",
      linuxHidden: true,
      collate: "nocase",
      description: "UUID of the user who unlocked the disk (macOS only).",
    },
    { name: "filevault_status", type: "TEXT", linuxHidden: true, description: "FileVault state (macOS only)." },
  ],
  generate(ctx) {
    return diskEncryptionRows(ctx.host, ctx.equals("name"), ctx.isUsed("uuid"));
  },
}));

const LUKS_MAGIC = [0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe];

/** Reads up to `length` bytes from the start of a file or device without reading it whole. */
function readHead(path: string, length: number): Uint8Array | undefined {
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(path, { read: true });
    const buf = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = file.readSync(buf.subarray(got));
      if (!n) break;
      got += n;
    }
    return buf.subarray(0, got);
  } catch {
    return undefined;
  } finally {
    file?.close();
  }
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** The cipher and mode in a LUKS1 or LUKS2 header, e.g. ["aes", "xts-plain64"]; `undefined` when not LUKS. */
export function luksCipher(
  header: Uint8Array,
  readMore?: (length: number) => Uint8Array | undefined,
): string[] | undefined {
  if (header.length < 72 || !LUKS_MAGIC.every((b, i) => header[i] === b)) return undefined;
  const version = (header[6] << 8) | header[7];
  if (version === 1) return [cString(header.subarray(8, 40)), cString(header.subarray(40, 72))];
  if (version !== 2) return undefined;
  // LUKS2: a 4 KiB binary header, then JSON metadata up to hdr_size (big-endian u64 at offset 8).
  const size = Number(new DataView(header.buffer, header.byteOffset).getBigUint64(8, false));
  if (size <= 4096 || size > 4 * 1024 * 1024) return undefined;
  const full = header.length >= size ? header : readMore?.(size);
  if (!full || full.length < size) return undefined;
  try {
    const json = JSON.parse(cString(full.subarray(4096, size)));
    const segments = json?.segments ?? {};
    const first = segments[Object.keys(segments).sort()[0]];
    const encryption = typeof first?.encryption === "string" ? first.encryption : undefined;
    if (!encryption) return undefined;
    const dash = encryption.indexOf("-");
    return dash < 0 ? [encryption] : [encryption.slice(0, dash), encryption.slice(dash + 1)];
  } catch {
    return undefined;
  }
}

/** The crypt type of an active dm-crypt device ("LUKS2", "PLAIN", ...), or `undefined` when not one. */
function cryptType(device: BlockDevice): string | undefined {
  const uuid = readAttr(`${device.sysPath}/dm/uuid`);
  if (!uuid?.startsWith("CRYPT-")) return undefined;
  return uuid.split("-")[1] ?? "";
}

/** The rows of `host`'s devices (constrained to `names` and the devices beneath them when given). */
function diskEncryptionRows(host: Host, names: string[], probe: boolean): Row[] {
  const devices = enumerateBlockDevices(host, names, true, probe);
  const byName = new Map(devices.map((d) => [d.name, d]));
  const status = new Map<string, Row>();
  const statusOf = (d: BlockDevice): Row => {
    const known = status.get(d.name);
    if (known) return known;
    const row: Row = { name: d.name, uuid: d.uuid, encrypted: 0, type: "", encryption_status: "not encrypted" };
    status.set(d.name, row); // set first: a cycle in slaves/ must not recurse forever
    const type = cryptType(d);
    if (type !== undefined) {
      row.encrypted = 1;
      row.encryption_status = "encrypted";
      const parts = [type];
      if (type.startsWith("LUKS") && d.parent) {
        const device = host.path(d.parent);
        const cipher = luksCipher(readHead(device, 4096) ?? new Uint8Array(), (n) => readHead(device, n));
        if (cipher) parts.push(...cipher);
      }
      row.type = parts.filter(Boolean).join("-");
    } else {
      const parent = byName.get(d.parent);
      if (parent) {
        const p = statusOf(parent);
        row.encrypted = p.encrypted;
        row.encryption_status = p.encryption_status;
        row.type = p.type;
      }
    }
    return row;
  };
  return devices.map(statusOf);
}
