/**
 * Filesystem identity of a block device (UUID, type, label), as libblkid probes it — the library
 * osquery uses — over FFI. When libblkid is missing or cannot open the device node (not root),
 * udev's database (ID_FS_* properties, which udev's own blkid probe recorded) answers.
 *
 * @module
 */
import type { Host } from "../../core/host/host.ts";
import { readText } from "./_lib.ts";

/** What a superblock probe found; absent fields were not found. */
export interface FsIdentity {
  uuid?: string;
  type?: string;
  label?: string;
}

const symbols = {
  blkid_new_probe_from_filename: { parameters: ["buffer"], result: "pointer" },
  blkid_probe_enable_superblocks: { parameters: ["pointer", "i32"], result: "i32" },
  blkid_probe_set_superblocks_flags: { parameters: ["pointer", "i32"], result: "i32" },
  blkid_do_safeprobe: { parameters: ["pointer"], result: "i32" },
  blkid_probe_lookup_value: { parameters: ["pointer", "buffer", "buffer", "pointer"], result: "i32" },
  blkid_free_probe: { parameters: ["pointer"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

let lib: Deno.DynamicLibrary<typeof symbols>["symbols"] | null | undefined;

function blkid() {
  if (lib === undefined) {
    lib = null;
    for (const path of ["libblkid.so.1", "libblkid.so"]) {
      try {
        lib = Deno.dlopen(path, symbols).symbols;
        break;
      } catch {
        // try the next name
      }
    }
  }
  return lib ?? undefined;
}

const SUBLKS_LABEL = 1 << 1;
const SUBLKS_UUID = 1 << 3;
const SUBLKS_TYPE = 1 << 5;

const cstr = (s: string) => new TextEncoder().encode(`${s}\0`);

/** Probes with libblkid; `undefined` when the library is unavailable or cannot open `devicePath`. */
export function probeWithBlkid(devicePath: string): FsIdentity | undefined {
  const b = blkid();
  if (!b) return undefined;
  const probe = b.blkid_new_probe_from_filename(cstr(devicePath));
  if (probe === null) return undefined;
  try {
    b.blkid_probe_enable_superblocks(probe, 1);
    b.blkid_probe_set_superblocks_flags(probe, SUBLKS_UUID | SUBLKS_TYPE | SUBLKS_LABEL);
    if (b.blkid_do_safeprobe(probe) !== 0) return {};
    const out: FsIdentity = {};
    for (const [key, field] of [["UUID", "uuid"], ["TYPE", "type"], ["LABEL", "label"]] as const) {
      const value = new BigUint64Array(1);
      if (b.blkid_probe_lookup_value(probe, cstr(key), new Uint8Array(value.buffer), null) === 0 && value[0] !== 0n) {
        out[field] = Deno.UnsafePointerView.getCString(Deno.UnsafePointer.create(value[0])!);
      }
    }
    return out;
  } finally {
    b.blkid_free_probe(probe);
  }
}

/** Reads udev's recorded ID_FS_UUID / ID_FS_TYPE / ID_FS_LABEL for block device major:minor on `host`. */
export function probeWithUdev(host: Host, major?: string, minor?: string): FsIdentity {
  if (!major || !minor) return {};
  const out: FsIdentity = {};
  for (const line of (readText(host.path(`/run/udev/data/b${major}:${minor}`)) ?? "").split("\n")) {
    if (line.startsWith("E:ID_FS_UUID=")) out.uuid = line.slice(13);
    else if (line.startsWith("E:ID_FS_TYPE=")) out.type = line.slice(13);
    else if (line.startsWith("E:ID_FS_LABEL=")) out.label = line.slice(14);
  }
  return out;
}

/** The identity of device node `device` (a /dev path) on `host`: libblkid, else udev's database. */
export function probeBlockDevice(host: Host, device: string, major?: string, minor?: string): FsIdentity {
  return probeWithBlkid(host.path(device)) ?? probeWithUdev(host, major, minor);
}
