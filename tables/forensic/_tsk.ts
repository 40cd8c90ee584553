/**
 * A small binding of The Sleuth Kit's C API (libtsk, Debian's libtsk19) over Deno FFI, for the
 * device_* tables: open a disk image or block device, list its volume system's partitions, open
 * a partition's file system, walk directories, and read a file's metadata and content by path or
 * inode — all without mounting anything.
 *
 * Struct offsets are libtsk 4.x's on LP64 Linux (x86-64 and arm64 lay these structs out alike).
 *
 * @module
 */
import { cPath as cString } from "../../core/host/libc.ts";
import { TableError } from "../../core/table.ts";

const symbols = {
  tsk_img_open_sing: { parameters: ["buffer", "i32", "u32"], result: "pointer" },
  tsk_img_close: { parameters: ["pointer"], result: "void" },
  tsk_vs_open: { parameters: ["pointer", "u64", "i32"], result: "pointer" },
  tsk_vs_close: { parameters: ["pointer"], result: "void" },
  tsk_vs_part_get: { parameters: ["pointer", "u32"], result: "pointer" },
  tsk_fs_open_vol: { parameters: ["pointer", "i32"], result: "pointer" },
  tsk_fs_close: { parameters: ["pointer"], result: "void" },
  tsk_fs_type_toname: { parameters: ["i32"], result: "pointer" },
  tsk_fs_dir_open_meta: { parameters: ["pointer", "u64"], result: "pointer" },
  tsk_fs_dir_getsize: { parameters: ["pointer"], result: "usize" },
  tsk_fs_dir_get: { parameters: ["pointer", "usize"], result: "pointer" },
  tsk_fs_dir_close: { parameters: ["pointer"], result: "void" },
  tsk_fs_file_open: { parameters: ["pointer", "pointer", "buffer"], result: "pointer" },
  tsk_fs_file_open_meta: { parameters: ["pointer", "pointer", "u64"], result: "pointer" },
  tsk_fs_file_close: { parameters: ["pointer"], result: "void" },
  tsk_fs_file_read: { parameters: ["pointer", "i64", "buffer", "usize", "i32"], result: "isize" },
} as const satisfies Deno.ForeignLibraryInterface;

type TskSymbols = Deno.DynamicLibrary<typeof symbols>["symbols"];

/** Where libtsk is looked for, in order. */
export const LIBTSK_PATHS = ["libtsk.so.19", "libtsk.so"];

let loaded: TskSymbols | Error | undefined;

/** Whether libtsk can be loaded on this host. */
export function tskAvailable(): boolean {
  try {
    tsk();
    return true;
  } catch {
    return false;
  }
}

/** libtsk's symbols; throws a TableError saying what to install when the library is missing. */
export function tsk(): TskSymbols {
  if (loaded === undefined) {
    loaded = new Error("not found");
    for (const path of LIBTSK_PATHS) {
      try {
        loaded = Deno.dlopen(path, symbols).symbols;
        break;
      } catch (e) {
        loaded = e instanceof Error ? e : new Error(String(e));
      }
    }
  }
  if (loaded instanceof Error) {
    throw new TableError(
      `The Sleuth Kit library could not be loaded (libtsk.so.19: ${loaded.message}); install the libtsk19 package (Debian/Ubuntu) or sleuthkit-libs (RHEL/Fedora).`,
    );
  }
  return loaded;
}

// TSK_VS_INFO
const VS_BLOCK_SIZE = 32;
const VS_PART_COUNT = 48;
// TSK_VS_PART_INFO
const PART_START = 32;
const PART_LEN = 40;
const PART_DESC = 48;
const PART_ADDR = 60;
const PART_FLAGS = 64;
// TSK_FS_INFO
const FS_OFFSET = 16;
const FS_INUM_COUNT = 24;
const FS_ROOT_INUM = 32;
const FS_BLOCK_COUNT = 56;
const FS_BLOCK_SIZE = 88;
const FS_FTYPE = 112;
const FS_FLAGS = 128;
// TSK_FS_FILE
const FILE_NAME = 8;
const FILE_META = 16;
// TSK_FS_META
const META_ADDR = 8;
const META_TYPE = 16;
const META_MODE = 20;
const META_NLINK = 24;
const META_SIZE = 32;
const META_UID = 40;
const META_GID = 44;
const META_MTIME = 48;
const META_ATIME = 64;
const META_CRTIME = 96;
const META_NAME2 = 240;
// TSK_FS_NAME and TSK_FS_META_NAME_LIST
const NAME_NAME = 8;
const NAME_LIST_NAME = 8;

/** TSK_VS_PART_FLAG_* bits. */
export const PART_FLAG_UNALLOC = 2;
/** The partition holds volume-system metadata (a partition table). */
export const PART_FLAG_META = 4;

/** TSK_FS_META_TYPE_* → the type names osquery reports. */
export const META_TYPE_NAMES: Record<number, string> = {
  1: "regular",
  2: "directory",
  3: "fifo",
  4: "character",
  5: "block",
  6: "symlink",
  8: "socket",
};
const META_TYPE_REG = 1;
const META_TYPE_DIR = 2;

function safe(n: bigint): number | bigint {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function view(p: Deno.PointerObject): Deno.UnsafePointerView {
  return new Deno.UnsafePointerView(p);
}

/** One entry of a device's volume system. */
export interface Partition {
  pointer: Deno.PointerObject;
  addr: number;
  start: number | bigint;
  len: number | bigint;
  desc: string | undefined;
  flags: number;
}

/** An opened file system. */
export interface FileSystem {
  pointer: Deno.PointerObject;
  offset: number | bigint;
  inodes: number | bigint;
  rootInode: bigint;
  blocks: number | bigint;
  blockSize: number;
  type: string;
  flags: number;
}

/** A file's metadata, as device_file reports it. */
export interface FileMeta {
  inode: number | bigint;
  type: number;
  mode: number;
  links: number;
  size: number | bigint;
  uid: number;
  gid: number;
  atime: number | bigint;
  mtime: number | bigint;
  crtime: number | bigint;
  /** The first name the file system records in the inode itself (NTFS), if any. */
  name2: string | undefined;
}

/** An opened image or device with its volume system; close it when done. */
export class Device {
  readonly #img: Deno.PointerObject;
  readonly #vs: Deno.PointerObject;

  private constructor(img: Deno.PointerObject, vs: Deno.PointerObject) {
    this.#img = img;
    this.#vs = vs;
  }

  /** Opens `path`; `undefined` when it cannot be read or has no volume system (partition table). */
  static open(path: string): Device | undefined {
    const lib = tsk();
    const img = lib.tsk_img_open_sing(cString(path), 0, 0);
    if (img === null) return undefined;
    const vs = lib.tsk_vs_open(img, 0n, 0);
    if (vs === null) {
      lib.tsk_img_close(img);
      return undefined;
    }
    return new Device(img, vs);
  }

  /** The volume system's block (sector) size in bytes. */
  get blockSize(): number {
    return view(this.#vs).getUint32(VS_BLOCK_SIZE);
  }

  /** Every partition entry, in the volume system's order. */
  partitions(): Partition[] {
    const lib = tsk();
    const count = view(this.#vs).getUint32(VS_PART_COUNT);
    const out: Partition[] = [];
    for (let i = 0; i < count; i++) {
      const p = lib.tsk_vs_part_get(this.#vs, i);
      if (p === null) continue;
      const v = view(p);
      const desc = v.getPointer(PART_DESC);
      out.push({
        pointer: p,
        addr: v.getUint32(PART_ADDR),
        start: safe(v.getBigUint64(PART_START)),
        len: safe(v.getBigUint64(PART_LEN)),
        desc: desc === null ? undefined : Deno.UnsafePointerView.getCString(desc),
        flags: v.getInt32(PART_FLAGS),
      });
    }
    return out;
  }

  /** Opens the file system in a partition (`undefined` when none is recognised), runs `use`, closes it. */
  withFileSystem<T>(partition: Partition, use: (fs: FileSystem) => T): T | undefined {
    const lib = tsk();
    const p = lib.tsk_fs_open_vol(partition.pointer, 0);
    if (p === null) return undefined;
    try {
      const v = view(p);
      const ftype = v.getInt32(FS_FTYPE);
      const name = lib.tsk_fs_type_toname(ftype);
      return use({
        pointer: p,
        offset: safe(v.getBigInt64(FS_OFFSET)),
        inodes: safe(v.getBigUint64(FS_INUM_COUNT)),
        rootInode: v.getBigUint64(FS_ROOT_INUM),
        blocks: safe(v.getBigUint64(FS_BLOCK_COUNT)),
        blockSize: v.getUint32(FS_BLOCK_SIZE),
        type: name === null ? "unknown" : Deno.UnsafePointerView.getCString(name),
        flags: v.getInt32(FS_FLAGS),
      });
    } finally {
      lib.tsk_fs_close(p);
    }
  }

  close(): void {
    const lib = tsk();
    lib.tsk_vs_close(this.#vs);
    lib.tsk_img_close(this.#img);
  }
}

/** Opens `path` as a device, runs `use`, and closes it; `undefined` when it does not open. */
export function withDevice<T>(path: string, use: (device: Device) => T): T | undefined {
  const device = Device.open(path);
  if (device === undefined) return undefined;
  try {
    return use(device);
  } finally {
    device.close();
  }
}

function readMeta(file: Deno.PointerObject): FileMeta | undefined {
  const meta = view(file).getPointer(FILE_META);
  if (meta === null) return undefined;
  const m = view(meta);
  const name2 = m.getPointer(META_NAME2);
  return {
    inode: safe(m.getBigUint64(META_ADDR)),
    type: m.getInt32(META_TYPE),
    mode: m.getInt32(META_MODE),
    links: m.getInt32(META_NLINK),
    size: safe(m.getBigInt64(META_SIZE)),
    uid: m.getUint32(META_UID),
    gid: m.getUint32(META_GID),
    atime: safe(m.getBigInt64(META_ATIME)),
    mtime: safe(m.getBigInt64(META_MTIME)),
    crtime: safe(m.getBigInt64(META_CRTIME)),
    name2: name2 === null ? undefined : new Deno.UnsafePointerView(name2).getCString(NAME_LIST_NAME),
  };
}

/** An open file: its metadata and a reader for its content. */
export interface OpenFile {
  meta: FileMeta;
  /** Streams the content in chunks; returns false if a read fell short (damaged or sparse-unreadable data). */
  read(each: (chunk: Uint8Array) => void): boolean;
}

function openFileHandle<T>(file: Deno.PointerValue, use: (file: OpenFile) => T): T | undefined {
  if (file === null) return undefined;
  const lib = tsk();
  try {
    const meta = readMeta(file);
    if (meta === undefined) return undefined;
    return use({
      meta,
      read(each) {
        const size = Number(meta.size);
        const buffer = new Uint8Array(new ArrayBuffer(Math.min(Math.max(size, 1), 1 << 20)));
        for (let offset = 0; offset < size;) {
          const want = Math.min(size - offset, buffer.length);
          const got = Number(lib.tsk_fs_file_read(file, BigInt(offset), buffer, BigInt(want), 0));
          if (got !== want) return false;
          each(buffer.subarray(0, got));
          offset += got;
        }
        return true;
      },
    });
  } finally {
    lib.tsk_fs_file_close(file);
  }
}

/** Opens the file at `path` inside the file system. */
export function withFileAtPath<T>(fs: FileSystem, path: string, use: (file: OpenFile) => T): T | undefined {
  return openFileHandle(tsk().tsk_fs_file_open(fs.pointer, null, cString(path)), use);
}

/** Opens the file with inode number `inode` inside the file system. */
export function withFileAtInode<T>(fs: FileSystem, inode: bigint, use: (file: OpenFile) => T): T | undefined {
  return openFileHandle(tsk().tsk_fs_file_open_meta(fs.pointer, null, inode), use);
}

/** An entry met while walking the file system. */
export interface WalkEntry {
  path: string;
  meta: FileMeta;
}

/**
 * Walks the file system from its root as osquery does: regular files are reported, directories
 * (not `.`/`..`) are descended into after their parent is listed, each directory path once, with
 * osquery's bounds (1,024 directories, about 10,240 entries) so a damaged image cannot loop.
 */
export function walkRegularFiles(fs: FileSystem, each: (entry: WalkEntry) => void): void {
  const lib = tsk();
  let dirs = 0;
  let entries = 0;
  const seen = new Set<string>();
  const visit = (inode: bigint, path: string) => {
    if (dirs++ > 1024) return;
    const dir = lib.tsk_fs_dir_open_meta(fs.pointer, inode);
    if (dir === null) return;
    const subdirs = new Map<bigint, string>();
    try {
      const size = Number(lib.tsk_fs_dir_getsize(dir));
      for (let i = 0; i < size; i++) {
        if (entries++ > 1024 * 10) break;
        const file = lib.tsk_fs_dir_get(dir, BigInt(i));
        if (file === null) continue;
        try {
          const meta = readMeta(file);
          if (meta === undefined) continue;
          const namePtr = view(file).getPointer(FILE_NAME);
          const namePtr2 = namePtr === null ? null : view(namePtr).getPointer(NAME_NAME);
          const name = namePtr2 === null ? undefined : Deno.UnsafePointerView.getCString(namePtr2);
          const leaf = name === undefined ? "" : (path.endsWith("/") ? path + name : `${path}/${name}`);
          if (meta.type === META_TYPE_REG) each({ path: leaf, meta });
          else if (meta.type === META_TYPE_DIR && name !== undefined && name !== "." && name !== "..") {
            subdirs.set(BigInt(meta.inode), leaf);
          }
        } finally {
          lib.tsk_fs_file_close(file);
        }
      }
    } finally {
      lib.tsk_fs_dir_close(dir);
    }
    for (const [child, childPath] of [...subdirs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      if (seen.has(childPath)) continue;
      visit(child, childPath);
      seen.add(childPath);
    }
  };
  visit(fs.rootInode, "/");
}
