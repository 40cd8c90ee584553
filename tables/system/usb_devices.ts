/**
 * `usb_devices`: USB devices attached to the host, from sysfs and udev's database.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { listDir, parseKeyValues, readAttr, readText, udevDeviceId, udevProperties } from "./_lib.ts";
import { type IdsDatabase, loadIds, USB_IDS_PATHS } from "./_ids.ts";

export default registerTable(defineTable({
  name: "usb_devices",
  description: "USB devices plugged into the host: bus address, ids, names, serial, class and removability.",
  columns: [
    { name: "usb_address", type: "INTEGER", description: "The bus number the device is on." },
    { name: "usb_port", type: "INTEGER", description: "The device's number on its bus." },
    { name: "vendor", type: "TEXT", description: "The vendor's name." },
    { name: "vendor_id", type: "TEXT", collate: "nocase", description: "The vendor id, 4 hex digits." },
    { name: "version", type: "TEXT", collate: "version", description: "The device's release number (bcdDevice)." },
    { name: "model", type: "TEXT", description: "The product's name." },
    { name: "model_id", type: "TEXT", collate: "nocase", description: "The product id, 4 hex digits." },
    { name: "serial", type: "TEXT", description: "The serial number the device reports." },
    { name: "class", type: "TEXT", description: "The USB device class code, decimal." },
    { name: "subclass", type: "TEXT", description: "The USB subclass code, decimal." },
    { name: "protocol", type: "TEXT", description: "The USB protocol code, decimal." },
    { name: "removable", type: "INTEGER", description: "1 removable, 0 fixed, -1 when the kernel does not know." },
  ],
  generate(ctx) {
    return usbRows(ctx.host);
  },
}));

/**
 * The row for one USB sysfs entry, or `undefined` for interfaces and hubs' ports (entries without a
 * bus and device number). udev's properties are preferred; sysfs attributes and usb.ids fill in
 * when udevd has recorded nothing (containers, early boot).
 */
function usbRow(host: Host, sysPath: string, ids: IdsDatabase): Row | undefined {
  const uevent = parseKeyValues(readText(`${sysPath}/uevent`) ?? "");
  const props = udevProperties(host, sysPath, udevDeviceId("c", uevent));
  const bus = props.get("BUSNUM");
  const dev = props.get("DEVNUM");
  if (!bus || !dev) return undefined;
  const vendorId = props.get("ID_VENDOR_ID") ?? readAttr(`${sysPath}/idVendor`) ?? "";
  const modelId = props.get("ID_MODEL_ID") ?? readAttr(`${sysPath}/idProduct`) ?? "";
  const known = ids.vendors.get(vendorId.toLowerCase());
  // TYPE is "class/subclass/protocol" in decimal; anything else leaves the three columns empty.
  const type = (props.get("TYPE") ?? "").split("/");
  const [klass, subclass, protocol] = type.length === 3 ? type : ["", "", ""];
  const removable = readAttr(`${sysPath}/removable`);
  return {
    usb_address: bus,
    usb_port: dev,
    vendor: props.get("ID_VENDOR_FROM_DATABASE") ?? known?.name ?? readAttr(`${sysPath}/manufacturer`) ?? "",
    vendor_id: vendorId,
    version: props.get("ID_REVISION") ?? readAttr(`${sysPath}/bcdDevice`) ?? "",
    model: props.get("ID_MODEL_FROM_DATABASE") ?? known?.devices.get(modelId.toLowerCase())?.name ??
      props.get("ID_MODEL") ?? readAttr(`${sysPath}/product`) ?? "",
    model_id: modelId,
    serial: props.get("ID_SERIAL_SHORT") ?? readAttr(`${sysPath}/serial`) ?? "",
    class: klass,
    subclass,
    protocol,
    // The kernel says removable, fixed or unknown (osquery maps everything but unknown to 1).
    removable: removable === "fixed" ? 0 : removable === "removable" ? 1 : -1,
  };
}

/** The rows of `host`'s USB devices. */
function usbRows(host: Host): Row[] {
  const ids = loadIds(USB_IDS_PATHS.map((p) => host.path(p)));
  const base = host.path("/sys/bus/usb/devices");
  const rows: Row[] = [];
  for (const e of listDir(base)) {
    const row = usbRow(host, `${base}/${e.name}`, ids);
    if (row) rows.push(row);
  }
  return rows;
}
