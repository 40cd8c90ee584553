/**
 * `pci_devices`: PCI devices from sysfs, named through udev's database and pci.ids.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { listDir, udevProperties } from "./_lib.ts";
import { type IdsDatabase, loadIds, PCI_IDS_PATHS } from "./_ids.ts";

export default registerTable(defineTable({
  name: "pci_devices",
  description: "PCI devices: slot, class, driver, vendor and model (names from udev or pci.ids).",
  columns: [
    { name: "pci_slot", type: "TEXT", description: "The device's address: domain:bus:device.function." },
    { name: "pci_class", type: "TEXT", description: "The class name, e.g. Network controller." },
    { name: "driver", type: "TEXT", description: "The kernel driver bound to the device." },
    { name: "vendor", type: "TEXT", description: "The vendor's name." },
    { name: "vendor_id", type: "TEXT", collate: "nocase", description: "The vendor id in hex, e.g. 0x8086." },
    { name: "model", type: "TEXT", description: "The device's name." },
    { name: "model_id", type: "TEXT", collate: "nocase", description: "The device id in hex." },
    { name: "pci_class_id", type: "TEXT", collate: "nocase", description: "The class code in hex, e.g. 0x02." },
    { name: "pci_subclass_id", type: "TEXT", collate: "nocase", description: "The subclass code in hex." },
    { name: "pci_subclass", type: "TEXT", description: "The subclass name, e.g. Ethernet controller." },
    {
      name: "subsystem_vendor_id",
      type: "TEXT",
      collate: "nocase",
      description: "The subsystem (board maker's) vendor id in hex.",
    },
    { name: "subsystem_vendor", type: "TEXT", description: "The subsystem vendor's name." },
    { name: "subsystem_model_id", type: "TEXT", collate: "nocase", description: "The subsystem device id in hex." },
    { name: "subsystem_model", type: "TEXT", description: "The subsystem's name for the device." },
  ],
  generate(ctx) {
    return pciRows(ctx.host);
  },
}));

/** Splits a "VVVV:DDDD" id pair into lowercase halves; `undefined` when malformed. */
function splitIds(pair: string | undefined): [string, string] | undefined {
  const m = /^([0-9a-fA-F]+):([0-9a-fA-F]+)$/.exec(pair ?? "");
  return m ? [m[1].toLowerCase(), m[2].toLowerCase()] : undefined;
}

/** The row for one PCI device's udev properties. */
function pciRow(props: Map<string, string>, ids: IdsDatabase): Row {
  const row: Row = {
    pci_slot: props.get("PCI_SLOT_NAME") ?? "",
    pci_class: props.get("ID_PCI_CLASS_FROM_DATABASE") ?? "",
    pci_subclass: props.get("ID_PCI_SUBCLASS_FROM_DATABASE") ?? "",
    driver: props.get("DRIVER") ?? "",
    vendor: props.get("ID_VENDOR_FROM_DATABASE") ?? "",
    model: props.get("ID_MODEL_FROM_DATABASE") ?? "",
  };
  const device = splitIds(props.get("PCI_ID"));
  if (!device) {
    // osquery's legacy value when the kernel gives no usable id.
    row.vendor_id = "0";
    row.model_id = "0";
  } else {
    const [vendorId, modelId] = device;
    row.vendor_id = `0x${vendorId}`;
    row.model_id = `0x${modelId}`;
    const vendor = ids.vendors.get(vendorId);
    if (vendor) row.vendor = vendor.name;
    const model = vendor?.devices.get(modelId);
    if (model) row.model = model.name;
    const subsystem = splitIds(props.get("PCI_SUBSYS_ID"));
    if (subsystem) {
      row.subsystem_vendor_id = `0x${subsystem[0]}`;
      row.subsystem_model_id = `0x${subsystem[1]}`;
      const subVendor = ids.vendors.get(subsystem[0]);
      if (subVendor) row.subsystem_vendor = subVendor.name;
      const subModel = model?.subsystems.get(`${subsystem[0]} ${subsystem[1]}`);
      if (subModel) row.subsystem_model = subModel;
    }
  }
  const klass = (props.get("PCI_CLASS") ?? "").toLowerCase();
  if (/^[0-9a-f]{5,6}$/.test(klass)) {
    const full = klass.padStart(6, "0");
    row.pci_class_id = `0x${full.slice(0, 2)}`;
    row.pci_subclass_id = `0x${full.slice(2, 4)}`;
    // Without udev's hardware database, name the class from pci.ids' class list.
    const known = ids.classes.get(full.slice(0, 2));
    if (!row.pci_class && known) row.pci_class = known.name;
    if (!row.pci_subclass && known?.subclasses.has(full.slice(2, 4))) {
      row.pci_subclass = known.subclasses.get(full.slice(2, 4));
    }
  }
  return row;
}

/**
 * The rows of `host`'s PCI devices. Unlike osquery, devices are listed even when no pci.ids is
 * installed (names are then empty, ids still present).
 */
function pciRows(host: Host): Row[] {
  const ids = loadIds(PCI_IDS_PATHS.map((p) => host.path(p)));
  const base = host.path("/sys/bus/pci/devices");
  return listDir(base).map((e) => pciRow(udevProperties(host, `${base}/${e.name}`, `+pci:${e.name}`), ids));
}
