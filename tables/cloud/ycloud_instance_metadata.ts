import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { metadataBase, metadataRequest, objectKey, parseObject, stringKey } from "./_lib.ts";

/** The GCE-compatible recursive instance document Yandex Cloud serves. */
export const YCLOUD_INSTANCE_PATH = "/computeMetadata/v1/instance/?alt=json&recursive=true";

/** `projects/<cloud>/zones/<zone>` → `<zone>`; anything else is "". */
export function zoneId(zone: string): string {
  if (!zone.startsWith("projects/")) return "";
  return zone.split("/")[3] ?? "";
}

function instanceRow(endpoint: string): Row | undefined {
  const answer = metadataRequest(endpoint, YCLOUD_INSTANCE_PATH, { headers: { "Metadata-Flavor": "Google" } });
  if (answer === undefined || answer.status !== 200) return undefined;
  const doc = parseObject(answer.text);
  if (doc === undefined) return undefined;
  const attributes = objectKey(doc, "attributes");
  const vendor = objectKey(doc, "vendor");
  return {
    instance_id: stringKey(doc, "id"),
    folder_id: stringKey(vendor, "folderId"),
    cloud_id: stringKey(vendor, "cloudId"),
    name: stringKey(doc, "name"),
    description: stringKey(doc, "description"),
    hostname: stringKey(doc, "hostname"),
    zone: zoneId(stringKey(doc, "zone")),
    ssh_public_key: stringKey(attributes, "ssh-keys"),
    serial_port_enabled: stringKey(attributes, "serial-port-enable"),
    metadata_endpoint: endpoint,
  };
}

export default registerTable(defineTable({
  name: "ycloud_instance_metadata",
  description: "This Yandex Cloud VM's identity, folder and zone from its metadata service.",
  columns: [
    { name: "instance_id", type: "TEXT", index: true },
    { name: "folder_id", type: "TEXT" },
    { name: "cloud_id", type: "TEXT" },
    { name: "name", type: "TEXT" },
    { name: "description", type: "TEXT" },
    { name: "hostname", type: "TEXT" },
    { name: "zone", type: "TEXT" },
    { name: "ssh_public_key", type: "TEXT" },
    { name: "serial_port_enabled", type: "TEXT" },
    { name: "metadata_endpoint", type: "TEXT", index: true },
  ],
  attributes: { cacheable: true },
  generate(ctx) {
    // `metadata_endpoint = 'http://...'` asks that endpoint instead of the default one.
    const asked = ctx.equals("metadata_endpoint");
    const endpoints = asked.length > 0 ? asked : [metadataBase()];
    return endpoints.map(instanceRow).filter((r): r is Row => r !== undefined);
  },
}));
