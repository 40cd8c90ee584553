// Tests for block_devices, disk_encryption, pci_devices and usb_devices. The fixture host_a has a
// LUKS2 header at dev/sda2 (libblkid probes it) and udev's record of dm-0's filesystem (no device
// node: the udev database answers).
import { Engine } from "../../core/engine.ts";
import { fixtureHost } from "../../core/host/host.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import blockDevices from "./block_devices.ts";
import diskEncryption, { luksCipher } from "./disk_encryption.ts";
import pciDevices from "./pci_devices.ts";
import usbDevices from "./usb_devices.ts";
import { parseIds } from "./_ids.ts";
import { probeWithBlkid, probeWithUdev } from "./_blkid.ts";
import { fixture, generated } from "./system_test_helpers.ts";

const root = fixture("host_a");

Deno.test("block_devices: disks, partitions and mapped devices with parents and inherited strings", () => {
  const rows = generated(blockDevices, root);
  assertEquals(rows.map((r) => [r.name, r.parent]), [
    ["/dev/dm-0", "/dev/sda2"],
    ["/dev/dm-1", "/dev/dm-0"],
    ["/dev/loop0", ""],
    ["/dev/sda", ""],
    ["/dev/sda1", "/dev/sda"],
    ["/dev/sda2", "/dev/sda"],
  ]);
  const sda = rows.find((r) => r.name === "/dev/sda")!;
  assertEquals(sda, {
    name: "/dev/sda",
    parent: "",
    vendor: "ATA",
    model: "Samsung SSD 860",
    serial: "t10.ATA Samsung SSD 860 S3Z9NB0K123456",
    size: "1000215216",
    block_size: "512",
    uuid: "",
    type: "",
    label: "",
  });
  const dm0 = rows.find((r) => r.name === "/dev/dm-0")!;
  assertEquals([dm0.model, dm0.vendor, dm0.uuid, dm0.type, dm0.label], [
    "Samsung SSD 860",
    "ATA",
    "0b1c-ext4",
    "ext4",
    "root",
  ]);
  assertEquals(rows.find((r) => r.name === "/dev/sda1")!.block_size, "");
});

Deno.test("block_devices: a name constraint returns only that device", () => {
  assertEquals(generated(blockDevices, root, { equals: { name: ["/dev/sda1"] } }).map((d) => d.name), ["/dev/sda1"]);
  assertEquals(generated(blockDevices, fixture("broken")), []);
  // Without uuid, type or label in the query no device is probed.
  const unprobed = generated(blockDevices, root, { used: ["name", "type"], equals: { name: ["/dev/sda2"] } });
  assertEquals(unprobed.map((d) => d.type), ["crypto_LUKS"]);
  assertEquals(generated(blockDevices, root, { used: ["name"] }).every((d) => d.type === ""), true);
});

Deno.test("disk_encryption: dm-crypt device reads its LUKS2 header; devices above inherit; disks are clear", () => {
  const rows = generated(diskEncryption, root);
  const by = new Map(rows.map((r) => [r.name, r]));
  assertEquals(by.get("/dev/dm-0"), {
    name: "/dev/dm-0",
    uuid: "0b1c-ext4",
    encrypted: 1,
    type: "LUKS2-aes-xts-plain64",
    encryption_status: "encrypted",
  });
  assertEquals(by.get("/dev/dm-1")?.encrypted, 1);
  assertEquals(by.get("/dev/dm-1")?.type, "LUKS2-aes-xts-plain64");
  assertEquals(by.get("/dev/sda2")?.encryption_status, "not encrypted");
  assertEquals(by.get("/dev/sda")?.encrypted, 0);
});

Deno.test("disk_encryption: a name constraint brings the devices beneath along", () => {
  assertEquals(generated(diskEncryption, root, { equals: { name: ["/dev/dm-1"] } }).map((r) => r.name), [
    "/dev/dm-0",
    "/dev/dm-1",
    "/dev/sda",
    "/dev/sda2",
  ]);
});

Deno.test("disk_encryption: LUKS1 headers and garbage", () => {
  const h = new Uint8Array(592);
  h.set([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe, 0, 1]);
  h.set(new TextEncoder().encode("aes"), 8);
  h.set(new TextEncoder().encode("cbc-essiv:sha256"), 40);
  assertEquals(luksCipher(h), ["aes", "cbc-essiv:sha256"]);
  assertEquals(luksCipher(new Uint8Array(100)), undefined);
  const luks2Broken = new Uint8Array(8192);
  luks2Broken.set([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe, 0, 2, 0, 0, 0, 0, 0, 0, 0x20, 0]);
  assertEquals(luksCipher(luks2Broken), undefined); // JSON area is zeros
});

Deno.test("pci_devices: udev names preferred, pci.ids overrides and fills, class ids split", () => {
  const rows = generated(pciDevices, root);
  assertEquals(rows.map((r) => r.pci_slot), ["0000:00:02.0", "0000:00:05.0", "0000:00:1f.2"]);
  assertEquals(rows[0], {
    pci_slot: "0000:00:02.0",
    pci_class: "Display controller",
    pci_subclass: "VGA compatible controller",
    driver: "i915",
    vendor: "Intel Corporation",
    model: "UHD Graphics 620",
    vendor_id: "0x8086",
    model_id: "0x5917",
    subsystem_vendor_id: "0x17aa",
    subsystem_model_id: "0x225d",
    subsystem_vendor: "Lenovo",
    subsystem_model: "ThinkPad T480",
    pci_class_id: "0x03",
    pci_subclass_id: "0x00",
  });
  assertEquals([rows[1].vendor_id, rows[1].model_id, rows[1].pci_class_id], ["0", "0", undefined]);
  assertEquals([rows[2].pci_class, rows[2].pci_subclass, rows[2].pci_class_id], [
    "Mass storage controller",
    "SATA controller",
    "0x01",
  ]);
  assertEquals(rows[2].model, "Sunrise Point-LP SATA Controller [AHCI mode]");
});

Deno.test("pci_devices: ids parser ignores junk and stops device names at the class list", () => {
  const db = parseIds(
    "zzzz nonsense\n8086  Intel\n\tzz\n\t1234  Thing\n\t\tbad\nC 02  Network\n\t00  Ethernet\nffff  After\n",
  );
  assertEquals(db.vendors.get("8086")?.devices.get("1234")?.name, "Thing");
  assertEquals(db.classes.get("02")?.subclasses.get("00"), "Ethernet");
  assertEquals(db.vendors.has("ffff"), false);
});

Deno.test("usb_devices: devices with udev data or sysfs fallbacks; interfaces skipped", () => {
  assertEquals(generated(usbDevices, root), [
    {
      usb_address: "001",
      usb_port: "002",
      vendor: "Logitech, Inc.",
      vendor_id: "046d",
      version: "1211",
      model: "Unifying Receiver",
      model_id: "c52b",
      serial: "ABC123",
      class: "0",
      subclass: "0",
      protocol: "0",
      removable: 1,
    },
    {
      usb_address: "001",
      usb_port: "001",
      vendor: "Linux Foundation",
      vendor_id: "1d6b",
      version: "0606",
      model: "2.0 root hub",
      model_id: "0002",
      serial: "0000:00:14.0",
      class: "9",
      subclass: "0",
      protocol: "1",
      removable: -1,
    },
  ]);
  assertEquals(generated(usbDevices, fixture("broken")), []);
});

Deno.test("device tables: live queries run; block devices have sizes", () => {
  const engine = new Engine();
  const blocks = engine.query("SELECT name, size FROM block_devices");
  for (const b of blocks) assert(String(b.name).startsWith("/dev/"));
  assert(Array.isArray(engine.query("SELECT * FROM disk_encryption")));
  assert(Array.isArray(engine.query("SELECT * FROM usb_devices")));
  const pci = engine.query("SELECT pci_slot, vendor_id FROM pci_devices");
  for (const p of pci) assert(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/.test(String(p.pci_slot)));
});

Deno.test("block_devices: libblkid probes a swap signature written to a temporary image", () => {
  const image = new Uint8Array(65536);
  const view = new DataView(image.buffer);
  view.setUint32(1024, 1, true); // swap header version 1
  view.setUint32(1028, 15, true); // last page
  image.set(Array.from({ length: 16 }, (_, i) => i + 1), 1036); // UUID
  image.set(new TextEncoder().encode("swaplbl"), 1052);
  image.set(new TextEncoder().encode("SWAPSPACE2"), 4086);
  const path = Deno.makeTempFileSync({ suffix: ".img" });
  try {
    Deno.writeFileSync(path, image);
    assertEquals(probeWithBlkid(path), {
      uuid: "01020304-0506-0708-090a-0b0c0d0e0f10",
      type: "swap",
      label: "swaplbl",
    });
    assertEquals(probeWithBlkid(`${path}.missing`), undefined, "a node it cannot open leaves the answer to udev");
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("block_devices: udev's recorded filesystem identity is the fallback probe", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/run/udev/data`, { recursive: true });
    Deno.writeTextFileSync(
      `${dir}/run/udev/data/b8:1`,
      "E:ID_FS_UUID=abcd-1234\nE:ID_FS_TYPE=vfat\nE:ID_FS_LABEL=EFI\n",
    );
    const host = fixtureHost(dir);
    assertEquals(probeWithUdev(host, "8", "1"), { uuid: "abcd-1234", type: "vfat", label: "EFI" });
    assertEquals(probeWithUdev(host, "8", "2"), {});
    assertEquals(probeWithUdev(host), {});
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
