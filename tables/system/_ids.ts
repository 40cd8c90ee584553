/**
 * Readers of the pci.ids / usb.ids hardware databases (vendor, device, subsystem and class names),
 * shared by pci_devices and usb_devices. Parsed once per file and cached; a missing file is an
 * empty database.
 *
 * @module
 */
import { readText } from "./_lib.ts";

/** One vendor: its name and its devices (id → name, plus subsystems "svid sdid" → name). */
export interface IdsVendor {
  name: string;
  devices: Map<string, { name: string; subsystems: Map<string, string> }>;
}

/** A parsed ids database. */
export interface IdsDatabase {
  vendors: Map<string, IdsVendor>;
  /** Class id (2 hex) → name and subclasses (2 hex → name). */
  classes: Map<string, { name: string; subclasses: Map<string, string> }>;
}

const HEX4 = /^[0-9a-f]{4}$/;

/** Parses ids text. Lines that fit no rule are skipped; comments start with '#'. */
export function parseIds(text: string): IdsDatabase {
  const db: IdsDatabase = { vendors: new Map(), classes: new Map() };
  let vendor: IdsVendor | undefined;
  let device: { name: string; subsystems: Map<string, string> } | undefined;
  let klass: { name: string; subclasses: Map<string, string> } | undefined;
  let section: "vendors" | "classes" | "other" = "vendors";
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trimEnd();
    if (!line) continue;
    const tabs = line.length - line.replace(/^\t+/, "").length;
    const body = line.slice(tabs);
    if (tabs === 0) {
      vendor = device = klass = undefined;
      if (/^C [0-9a-f]{2}\s/.test(body)) {
        section = "classes";
        klass = { name: body.slice(4).trim(), subclasses: new Map() };
        db.classes.set(body.slice(2, 4), klass);
      } else if (HEX4.test(body.slice(0, 4)) && section === "vendors" && body.length > 6) {
        vendor = { name: body.slice(4).trim(), devices: new Map() };
        if (!db.vendors.has(body.slice(0, 4))) db.vendors.set(body.slice(0, 4), vendor);
      } else if (/^[A-Z]{1,4} /.test(body)) {
        section = "other"; // usb.ids' later sections (AT, HID, L, ...) hold no device names
      }
    } else if (tabs === 1) {
      if (section === "vendors" && vendor && HEX4.test(body.slice(0, 4)) && body.length > 6) {
        device = { name: body.slice(4).trim(), subsystems: new Map() };
        if (!vendor.devices.has(body.slice(0, 4))) vendor.devices.set(body.slice(0, 4), device);
      } else if (section === "classes" && klass && /^[0-9a-f]{2}\s/.test(body)) {
        klass.subclasses.set(body.slice(0, 2), body.slice(2).trim());
      }
    } else if (tabs === 2 && section === "vendors" && device) {
      const m = /^([0-9a-f]{4}) ([0-9a-f]{4})\s+(.+)$/.exec(body);
      if (m && !device.subsystems.has(`${m[1]} ${m[2]}`)) device.subsystems.set(`${m[1]} ${m[2]}`, m[3].trim());
    }
  }
  return db;
}

const cache = new Map<string, { mtime: number; db: IdsDatabase }>();

/** The first readable database among `paths`, parsed (cached until the file changes); empty when none. */
export function loadIds(paths: string[]): IdsDatabase {
  for (const path of paths) {
    let mtime: number;
    try {
      mtime = Deno.statSync(path).mtime?.getTime() ?? 0;
    } catch {
      continue;
    }
    const hit = cache.get(path);
    if (hit && hit.mtime === mtime) return hit.db;
    const text = readText(path);
    if (text === undefined) continue;
    const db = parseIds(text);
    cache.set(path, { mtime, db });
    return db;
  }
  return { vendors: new Map(), classes: new Map() };
}

/** Where distributions install pci.ids, in osquery's order. */
export const PCI_IDS_PATHS = ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids"];
/** Where distributions install usb.ids. */
export const USB_IDS_PATHS = ["/usr/share/misc/usb.ids", "/usr/share/hwdata/usb.ids", "/var/lib/usbutils/usb.ids"];
