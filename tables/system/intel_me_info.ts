/**
 * `intel_me_info`: the Intel Management Engine (CSME) firmware version, asked of the ME's firmware-update
 * client over the HECI driver (/dev/mei0), as osquery does: connect to the client by its GUID with the
 * IOCTL_MEI_CONNECT_CLIENT ioctl, send the GetFirmwareVersion command, read the reply. Hosts without the
 * mei driver (or without an Intel ME) have no /dev/mei0 and give no rows.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { cPath, O_CLOEXEC, O_RDWR } from "../../core/host/libc.ts";
import { libc } from "./_libc.ts";

export default registerTable(defineTable({
  name: "intel_me_info",
  description: "Intel Management Engine (CSME) firmware version, read over /dev/mei0.",
  columns: [
    {
      name: "version",
      type: "TEXT",
      collate: "version",
      description: "The ME firmware version as major.minor.hotfix.build.",
    },
  ],
  generate(ctx) {
    return intelMeInfoRows(openMeiDevice(ctx.host.path("/dev/mei0")));
  },
}));

/** The ME firmware-update client's GUID (309dcde8-ccb1-4062-8f78-600115a34327), in the byte order the driver takes. */
export const MEI_UPDATE_CLIENT_GUID = new Uint8Array([
  232,
  205,
  157,
  48,
  177,
  204,
  98,
  64,
  143,
  120,
  96,
  1,
  21,
  163,
  67,
  39,
]);
/** IOCTL_MEI_CONNECT_CLIENT: _IOWR('H', 0x01, struct mei_connect_client_data) (16 bytes in, 5 used out). */
const IOCTL_MEI_CONNECT_CLIENT = 0xc0104801n;
/** The reply to GetFirmwareVersion: 28 bytes of header, then code and recovery versions (u16 each), then 6 codes. */
const VERSION_REPLY_SIZE = 56;

/** A connection to an ME client: what the table needs of /dev/mei0 (tests supply a fake). */
export interface MeiTransport {
  /** Connects to the client; returns the ioctl's reply (max message length, client protocol version) or undefined. */
  connect(guid: Uint8Array): { maxLength: number; protocolVersion: number } | undefined;
  write(data: Uint8Array): number;
  read(into: Uint8Array): number;
  close(): void;
}

/** Asks the ME for its firmware version over `transport`; undefined when any step fails. */
export function queryMeVersion(transport: MeiTransport): string | undefined {
  const connected = transport.connect(MEI_UPDATE_CLIENT_GUID);
  // osquery speaks version 1 of the update client's protocol only.
  if (!connected || connected.protocolVersion !== 1) return undefined;
  // GetFirmwareVersion is command 0: a zeroed 4-byte request header.
  if (transport.write(new Uint8Array(4)) !== 4) return undefined;
  const reply = new Uint8Array(VERSION_REPLY_SIZE);
  if (transport.read(reply) !== VERSION_REPLY_SIZE) return undefined;
  const view = new DataView(reply.buffer);
  const at = (i: number) => view.getUint16(28 + 2 * i, true);
  return `${at(0)}.${at(1)}.${at(2)}.${at(3)}`;
}

/** Opens the HECI device read-write; undefined when it is missing or not permitted. */
export function openMeiDevice(path: string): MeiTransport | undefined {
  try {
    if (!Deno.statSync(path).isCharDevice) return undefined;
  } catch {
    return undefined;
  }
  const lib = libc();
  if (!lib) return undefined;
  const fd = lib.open(cPath(path), O_RDWR | O_CLOEXEC, 0);
  if (fd < 0) return undefined;
  return {
    connect(guid) {
      const data = new Uint8Array(16);
      data.set(guid);
      if (lib.ioctl(fd, IOCTL_MEI_CONNECT_CLIENT, data) === -1) return undefined;
      return { maxLength: new DataView(data.buffer).getUint32(0, true), protocolVersion: data[4] };
    },
    write: (bytes) => Number(lib.write(fd, bytes.slice(), BigInt(bytes.length))),
    read(into) {
      const buf = new Uint8Array(into.length);
      const n = Number(lib.read(fd, buf, BigInt(buf.length)));
      if (n > 0) into.set(buf.subarray(0, n));
      return n;
    },
    close: () => void lib.close(fd),
  };
}

/** The rows: one with the version when the ME answers over `transport`, none otherwise; closes it. */
export function intelMeInfoRows(transport: MeiTransport | undefined): Row[] {
  if (!transport) return [];
  try {
    const version = queryMeVersion(transport);
    return version === undefined ? [] : [{ version }];
  } finally {
    transport.close();
  }
}
