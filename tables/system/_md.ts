/**
 * Linux software RAID (md) readers shared by md_devices, md_drives and md_personalities: /proc/mdstat for
 * the kernel's summary (personalities, arrays, progress lines, bitmap) and /sys/block/mdN/md for what osquery
 * asks the driver by ioctl (level, disk counts, chunk size, member states and slots). Both read the
 * {@linkcode Host} a generator is given.
 *
 * @module
 */
import type { Host } from "../../core/host/host.ts";
import { isDir, listDir, readAttr, readText } from "./_lib.ts";

/** Progress of one background activity (recovery, resync, reshape, check). */
export interface MdAction {
  progress: string;
  finish: string;
  speed: string;
}

/** An array's line pair (and following status lines) in /proc/mdstat. */
export interface MdstatArray {
  name: string;
  status: string;
  /** The personality as written ("raid1"); "" when the array is inactive and shows none. */
  level: string;
  /** Usable size in 1 KiB blocks; 0 when the line does not say. */
  blocks: number;
  /** The configuration words between the size and the disk counts ("super 1.2 level 5, 512k chunk, ..."). */
  other: string;
  recovery?: MdAction;
  resync?: MdAction;
  reshape?: MdAction;
  check?: MdAction;
  bitmap?: { onMem: string; chunkSize: string; externalFile: string };
}

/** Everything /proc/mdstat says. */
export interface Mdstat {
  personalities: string[];
  arrays: MdstatArray[];
  unused: string;
}

/** "12.6% (123/456) finish=1.5min speed=100K/sec" split into its three parts; undefined when not in that shape. */
function parseAction(text: string): MdAction | undefined {
  const pieces = text.split(/\s+/).filter((p) => p !== "");
  if (pieces.length !== 4) return undefined;
  return {
    progress: `${pieces[0]} ${pieces[1]}`,
    finish: pieces[2].replace(/^finish=/, ""),
    speed: pieces[3].replace(/^speed=/, ""),
  };
}

/** The text after `term` on `line`, trimmed; undefined when the term is absent or nothing follows it. */
function after(line: string, term: string): string | undefined {
  const at = line.indexOf(term);
  if (at < 0 || line.length <= at + term.length) return undefined;
  return line.slice(at + term.length).trim();
}

/** Parses /proc/mdstat text. Lines it does not recognise are skipped. */
export function parseMdstat(text: string): Mdstat {
  const lines = text.split("\n").map((l) => l.trim());
  const out: Mdstat = { personalities: [], arrays: [], unused: "" };
  let n = 0;
  if (lines[0]?.startsWith("Personalities :")) {
    for (const p of lines[0].slice("Personalities :".length).split(/\s+/)) {
      if (p.length > 2 && p.startsWith("[") && p.endsWith("]")) out.personalities.push(p.slice(1, -1));
    }
    n = 1;
  }
  while (n < lines.length) {
    const line = lines[n];
    if (line.startsWith("md")) {
      const colon = line.indexOf(":");
      if (colon < 0) {
        n++;
        continue;
      }
      const words = line.slice(colon + 1).trim().split(/\s+/).filter((w) => w !== "");
      // An array line starts with its state; anything else is not an array line.
      if (words[0] !== "active" && words[0] !== "inactive") {
        n++;
        continue;
      }
      const array: MdstatArray = {
        name: line.slice(0, colon).trim(),
        status: words[0] ?? "",
        level: words.length >= 2 && !words[1].includes("[") ? words[1] : "",
        blocks: 0,
        other: "",
      };
      const config = (lines[n + 1] ?? "").split(/\s+/).filter((w) => w !== "");
      if (config.length >= 4) {
        if (config[1] === "blocks" && /^\d+$/.test(config[0])) array.blocks = Number(config[0]);
        array.other = config.slice(2, -2).join(" ");
        n++;
      }
      // Status lines follow until the next blank or unrecognised line.
      for (; n + 1 < lines.length; n++) {
        const next = lines[n + 1];
        let v: string | undefined;
        if ((v = after(next, "recovery =")) !== undefined) array.recovery = parseAction(v) ?? array.recovery;
        else if ((v = after(next, "resync =")) !== undefined) array.resync = parseAction(v) ?? array.resync;
        else if ((v = after(next, "resync=")) !== undefined) array.resync = { progress: v, finish: "", speed: "" };
        else if ((v = after(next, "reshape =")) !== undefined) array.reshape = parseAction(v) ?? array.reshape;
        else if ((v = after(next, "check =")) !== undefined) array.check = parseAction(v) ?? array.check;
        else if ((v = after(next, "bitmap:")) !== undefined) {
          const parts = v.split(",").map((p) => p.trim());
          if (parts.length >= 2) {
            const file = parts[2]?.indexOf("file:") ?? -1;
            array.bitmap = {
              onMem: parts[0],
              chunkSize: parts[1],
              externalFile: file >= 0 ? parts[2].slice(file + "file:".length).trim() : "",
            };
          }
        } else break;
      }
      out.arrays.push(array);
    } else if (line.startsWith("unused devices:")) {
      out.unused = line.slice("unused devices:".length).trim();
    }
    n++;
  }
  return out;
}

/** `host`'s /proc/mdstat, parsed; empty when the md driver is not loaded. */
export function readMdstat(host: Host): Mdstat {
  const text = readText(host.path("/proc/mdstat"));
  return text === undefined ? { personalities: [], arrays: [], unused: "" } : parseMdstat(text);
}

/** One member device of an array, from /sys/block/mdN/md/dev-X. */
export interface MdMember {
  /** The member's block device name ("sda1"). */
  name: string;
  /** The role slot, or undefined for spares and failed devices ("none"). */
  slot?: number;
  /** The kernel's state words ("in_sync", "faulty", "spare", "write_mostly", ...). */
  states: string[];
}

/** An array as sysfs describes it: the facts osquery obtains with GET_ARRAY_INFO. */
export interface MdSysfsArray {
  /** md's level number (linear -1, multipath -4, faulty -5, raidN N); undefined for containers or unknown. */
  level?: number;
  raidDisks?: number;
  chunkSize?: number;
  arrayState: string;
  metadataVersion: string;
  bitmapPresent: boolean;
  members: MdMember[];
}

const NAMED_LEVELS: Record<string, number> = { linear: -1, multipath: -4, faulty: -5 };

/** Turns "raid5" (or "5") into 5 and the named personalities into md's negative numbers. */
export function mdLevelNumber(level: string): number | undefined {
  const m = /^(?:raid)?(\d+)$/.exec(level);
  if (m) return Number(m[1]);
  return NAMED_LEVELS[level];
}

/** Reads `host`'s /sys/block/<name>/md; undefined when the array has no md directory. */
export function readMdSysfs(name: string, host: Host): MdSysfsArray | undefined {
  const dir = host.path(`/sys/block/${name}/md`);
  if (!isDir(dir)) return undefined;
  const num = (attr: string) => {
    const v = readAttr(`${dir}/${attr}`);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const members: MdMember[] = [];
  for (const e of listDir(dir)) {
    if (!e.name.startsWith("dev-") || e.name.length <= 4) continue;
    const slot = readAttr(`${dir}/${e.name}/slot`);
    const state = readAttr(`${dir}/${e.name}/state`) ?? "";
    members.push({
      name: e.name.slice(4),
      slot: slot !== undefined && /^\d+$/.test(slot) ? Number(slot) : undefined,
      states: state.split(",").map((s) => s.trim()).filter((s) => s !== ""),
    });
  }
  const bitmap = readAttr(`${dir}/bitmap/location`);
  return {
    level: mdLevelNumber(readAttr(`${dir}/level`) ?? ""),
    raidDisks: num("raid_disks"),
    chunkSize: num("chunk_size"),
    arrayState: readAttr(`${dir}/array_state`) ?? "",
    metadataVersion: readAttr(`${dir}/metadata_version`) ?? "",
    bitmapPresent: bitmap !== undefined && bitmap !== "none",
    members,
  };
}

/** MD_SB_MAGIC, little-endian on disk for 1.x superblocks (and host order, i.e. little-endian here, for 0.90). */
const MD_SB_MAGIC = 0xa92b4efc;

/** Reads `length` bytes at `offset` of a device or file; undefined when it cannot be read in full. */
function readAt(path: string, offset: number, length: number): Uint8Array | undefined {
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(path, { read: true });
    file.seekSync(offset, Deno.SeekMode.Start);
    const buf = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = file.readSync(buf.subarray(got));
      if (!n) return undefined;
      got += n;
    }
    return buf;
  } catch {
    return undefined;
  } finally {
    file?.close();
  }
}

/**
 * The superblock's last update time (Unix seconds) read from a member device, which is what the driver's
 * GET_ARRAY_INFO reports as utime. Versions 1.1 and 1.2 keep the superblock at 0 and 4 KiB; 1.0 and 0.90 near
 * the device's end (its size from sysfs). Undefined for external metadata or when the device cannot be read.
 */
export function superblockUpdateTime(member: string, metadataVersion: string, host: Host): number | undefined {
  const device = host.path(`/dev/${member}`);
  const sectors = () => {
    const size = readAttr(host.path(`/sys/class/block/${member}/size`));
    return size !== undefined && /^\d+$/.test(size) ? Number(size) : undefined;
  };
  let offset: number | undefined;
  if (metadataVersion === "1.2") offset = 4096;
  else if (metadataVersion === "1.1") offset = 0;
  else if (metadataVersion === "1.0") {
    const n = sectors();
    if (n !== undefined && n >= 16) offset = ((n - 16) & ~7) * 512;
  } else if (metadataVersion === "0.90" || metadataVersion === "0.9") {
    const n = sectors();
    if (n === undefined || n < 128) return undefined;
    const sb = readAt(device, ((n & ~127) - 128) * 512, 132);
    if (!sb) return undefined;
    const view = new DataView(sb.buffer);
    return view.getUint32(0, true) === MD_SB_MAGIC ? view.getUint32(128, true) : undefined;
  }
  if (offset === undefined) return undefined;
  const sb = readAt(device, offset, 200);
  if (!sb) return undefined;
  const view = new DataView(sb.buffer);
  if (view.getUint32(0, true) !== MD_SB_MAGIC) return undefined;
  // utime: the low 40 bits are seconds, the high 24 microseconds.
  return Number(view.getBigUint64(192, true) & 0xffffffffffn);
}
