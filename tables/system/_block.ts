/**
 * Block device enumeration from sysfs, shared by block_devices and disk_encryption: each entry
 * of /sys/class/block, its parent (the disk holding a partition, or the device a device-mapper
 * target sits on), and the hardware strings partitions inherit from their disk.
 *
 * @module
 */
import type { Host } from "../../core/host/host.ts";
import { exists, listDir, readAttr, readMounts } from "./_lib.ts";
import { probeBlockDevice } from "./_blkid.ts";

/** One block device. `name` and `parent` are /dev paths. */
export interface BlockDevice {
  name: string;
  /** The device's directory under /sys/devices. */
  sysPath: string;
  parent: string;
  vendor: string;
  model: string;
  serial: string;
  /** Size in 512-byte sectors, as sysfs reports it. */
  size: string;
  blockSize: string;
  uuid: string;
  type: string;
  label: string;
}

/** Where sysfs is mounted on `host`, under its root (osquery looks it up in /proc/mounts; /sys by default). */
export function sysfsPath(host: Host): string {
  const mount = readMounts(host).find((m) => m.type === "sysfs");
  return host.path(mount?.path ?? "/sys");
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

/** Reads every block device in `host`'s sysfs, with parents but without metadata. */
function scan(host: Host): Map<string, BlockDevice> {
  const devices = new Map<string, BlockDevice>();
  const classDir = `${sysfsPath(host)}/class/block`;
  for (const e of listDir(classDir)) {
    if (!e.isSymlink) continue;
    let sysPath: string;
    try {
      sysPath = Deno.realPathSync(`${classDir}/${e.name}`);
    } catch {
      continue;
    }
    if (!exists(`${sysPath}/uevent`)) continue;
    const name = `/dev/${basename(sysPath)}`;
    // A partition lives inside its disk's directory; a whole disk or a virtual device sits in a
    // "block" directory and names what it is built on in slaves/ (the first one, as osquery does).
    let parent = basename(dirname(sysPath));
    if (parent === "block") parent = listDir(`${sysPath}/slaves`)[0]?.name ?? "";
    devices.set(name, {
      name,
      sysPath,
      parent: parent ? `/dev/${parent}` : "",
      vendor: "",
      model: "",
      serial: "",
      size: "",
      blockSize: "",
      uuid: "",
      type: "",
      label: "",
    });
  }
  return devices;
}

function fillMetadata(
  device: BlockDevice,
  devices: Map<string, BlockDevice>,
  done: Set<string>,
  host: Host,
  probe: boolean,
): void {
  if (done.has(device.name)) return;
  done.add(device.name);
  const parent = device.parent ? devices.get(device.parent) : undefined;
  if (parent) fillMetadata(parent, devices, done, host, probe);
  const attr = (rel: string) => {
    const v = readAttr(`${device.sysPath}/${rel}`);
    return v ? v : undefined;
  };
  device.model = attr("device/model") ?? "";
  device.serial = attr("device/wwid") ?? attr("device/serial") ?? "";
  device.vendor = attr("device/vendor") ?? attr("device/device/vendor") ?? "";
  device.size = attr("size") ?? "";
  device.blockSize = attr("queue/logical_block_size") ?? "";
  if (parent) {
    // Partitions and mapped devices report their disk's hardware strings.
    device.model = parent.model;
    device.serial = parent.serial;
    device.vendor = parent.vendor;
  }
  if (probe) {
    const [major, minor] = (readAttr(`${device.sysPath}/dev`) ?? "").split(":");
    const id = probeBlockDevice(host, device.name, major, minor);
    device.uuid = id.uuid ?? "";
    device.type = id.type ?? "";
    device.label = id.label ?? "";
  }
}

/**
 * The block devices of `host`, sorted by name. With `names`, only those devices (and, with
 * `includeParents`, the devices they sit on). `probe` reads filesystem identity (libblkid opens
 * each device node); without it the identity stays empty.
 */
export function enumerateBlockDevices(
  host: Host,
  names: string[],
  includeParents: boolean,
  probe: boolean,
): BlockDevice[] {
  const devices = scan(host);
  const done = new Set<string>();
  const wanted = new Map<string, BlockDevice>();
  for (const device of devices.values()) {
    if (names.length && !names.includes(device.name)) continue;
    fillMetadata(device, devices, done, host, probe);
    wanted.set(device.name, device);
    if (includeParents) {
      for (let p = devices.get(device.parent); p && !wanted.has(p.name); p = devices.get(p.parent)) {
        wanted.set(p.name, p);
      }
    }
  }
  return [...wanted.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
