/**
 * Readers shared by the system tables. A reader of host files takes the {@linkcode Host} a
 * generator is given (`ctx.host`), so tests point it at a fixture tree under `testdata/system/`.
 * Readers never throw on missing or malformed input: they return `undefined` or skip what they
 * cannot parse.
 *
 * @module
 */
import type { Host } from "../../core/host/host.ts";
import { exists, isDirectory as isDir, listDir, readBytes, readLink, readText } from "../../core/host/files.ts";
import { splitTrim } from "../../core/host/text.ts";
import { nodeCrypto } from "../../core/runtime/node_builtins.ts";

export { exists, isDir, listDir, readBytes, readLink, readText, splitTrim };

const decoder = new TextDecoder();

/** Reads a sysfs-style attribute: the file's text trimmed of whitespace, or `undefined`. */
export function readAttr(path: string): string | undefined {
  const text = readText(path);
  return text === undefined ? undefined : text.trim();
}

/** Splits on runs of spaces and tabs, dropping empty fields. */
export function words(line: string): string[] {
  return line.split(/[ \t]+/).filter((w) => w !== "");
}

/**
 * The MD5 of bytes, as lowercase hex. node:crypto is fetched on first use: imported here, it set
 * up Deno's Node layer for every table of this area (`select days from uptime`: ~45 ms of CPU and
 * ~9 MiB more than `select unix_time from time`).
 */
export function md5Hex(data: Uint8Array): string {
  return nodeCrypto().createHash("md5").update(data).digest("hex");
}

/** Decodes bytes as UTF-8 (invalid sequences become U+FFFD). */
export function utf8(data: Uint8Array): string {
  return decoder.decode(data);
}

/** Parses a decimal integer field; `undefined` when it is not one. */
export function parseIntField(text: string | undefined): number | undefined {
  if (text === undefined || !/^[+-]?\d+$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Parses a decimal integer that may exceed 2^53 (returned as bigint then); `undefined` when malformed. */
export function parseBigField(text: string | undefined): number | bigint | undefined {
  if (text === undefined || !/^[+-]?\d+$/.test(text.trim())) return undefined;
  const big = BigInt(text.trim());
  return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big;
}

/**
 * Parses a `KEY=VALUE` environment-style file (uevent, os-release, udev data `E:` lines after the
 * prefix is stripped). Quotes around a value are removed.
 */
export function parseKeyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    out.set(line.slice(0, eq), unquote(line.slice(eq + 1)));
  }
  return out;
}

/** Removes one pair of surrounding double or single quotes. */
export function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) {
    return value.slice(1, -1);
  }
  return value;
}

/**
 * The properties udev knows for a device (`sysPath`, already under the host's root): the kernel's `uevent` file, overlaid with udev's
 * database entry (`/run/udev/data/<id>`, its `E:` lines) when udevd has recorded one.
 * This is what libudev's `udev_device_get_property_value` returns.
 */
export function udevProperties(host: Host, sysPath: string, dbId: string | undefined): Map<string, string> {
  const props = parseKeyValues(readText(`${sysPath}/uevent`) ?? "");
  if (dbId) {
    const db = readText(host.path(`/run/udev/data/${dbId}`));
    if (db) {
      for (const line of db.split("\n")) {
        if (!line.startsWith("E:")) continue;
        const eq = line.indexOf("=");
        if (eq > 2) props.set(line.slice(2, eq), line.slice(eq + 1));
      }
    }
  }
  return props;
}

/** The udev database id of a character or block device (`c<major>:<minor>` / `b<major>:<minor>`). */
export function udevDeviceId(kind: "c" | "b", props: Map<string, string>): string | undefined {
  const major = props.get("MAJOR");
  const minor = props.get("MINOR");
  return major && minor ? `${kind}${major}:${minor}` : undefined;
}

/** Decodes the octal escapes (`\040` etc.) the kernel writes in /proc/mounts fields. */
export function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** One entry of /proc/mounts. */
export interface MountEntry {
  device: string;
  path: string;
  type: string;
  flags: string;
}

/** Parses /proc/mounts (fstab format); lines with fewer than four fields are skipped. */
export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const f = words(line.trim());
    if (f.length < 4) continue;
    out.push({ device: unescapeOctal(f[0]), path: unescapeOctal(f[1]), type: f[2], flags: unescapeOctal(f[3]) });
  }
  return out;
}

/** The mount table of the host (paths as the host sees them, not under its root). */
export function readMounts(host: Host): MountEntry[] {
  return parseMounts(readText(host.path("/proc/mounts")) ?? "");
}

/** Facts from /proc/cpuinfo: the first processor's fields, and the distinct physical cores. */
export interface CpuInfoSummary {
  /** The first processor block, field name → value. */
  first: Map<string, string>;
  /** Distinct (physical id, core id) pairs; 0 when the kernel does not report topology. */
  physicalCores: number;
}

/** Parses /proc/cpuinfo text; lines without a colon are ignored. */
export function parseCpuInfo(text: string): CpuInfoSummary {
  const first = new Map<string, string>();
  const cores = new Set<string>();
  let block = 0;
  let physical = "";
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      block++;
      physical = "";
      continue;
    }
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (block === 0 && !first.has(key)) first.set(key, value);
    if (key === "physical id") physical = value;
    else if (key === "core id") cores.add(`${physical}:${value}`);
  }
  return { first, physicalCores: cores.size };
}

/** "uefi" when `host`'s kernel booted through EFI (it exposes /sys/firmware/efi), else "bios". */
export function firmwareType(host: Host): string {
  return isDir(host.path("/sys/firmware/efi")) ? "uefi" : "bios";
}
