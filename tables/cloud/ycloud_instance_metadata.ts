/**
 * `ycloud_instance_metadata`: this Yandex Cloud VM's instance document from its GCE-style metadata service.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { metadataBase, metadataRequest, objectKey, parseObject, stringKey } from "./_lib.ts";

export default registerTable(defineTable({
  name: "ycloud_instance_metadata",
  description: "This Yandex Cloud VM's identity, folder and zone from its metadata service.",
  columns: [
    { name: "instance_id", type: "TEXT", index: true, description: "The VM's unique id." },
    { name: "folder_id", type: "TEXT", description: "The folder the VM belongs to." },
    { name: "cloud_id", type: "TEXT", description: "The cloud the VM belongs to." },
    { name: "name", type: "TEXT", description: "The VM's name." },
    { name: "description", type: "TEXT", description: "The VM's description." },
    { name: "hostname", type: "TEXT", description: "The VM's hostname." },
    { name: "zone", type: "TEXT", description: "The availability zone of the VM." },
    { name: "ssh_public_key", type: "TEXT", description: "The SSH keys given in the VM's metadata." },
    {
      name: "serial_port_enabled",
      type: "TEXT",
      description: "Whether the serial console is enabled, as the metadata says it.",
    },
    {
      name: "metadata_endpoint",
      type: "TEXT",
      index: true,
      description: "The metadata service asked (constrain it to ask another).",
    },
  ],
  attributes: { cacheable: true },
  generate(ctx) {
    // `metadata_endpoint = 'http://...'` asks that endpoint instead of the default one.
    const asked = ctx.equals("metadata_endpoint");
    const endpoints = asked.length > 0 ? asked : [metadataBase()];
    return endpoints.map(instanceRow).filter((r): r is Row => r !== undefined);
  },
}));

/** The GCE-compatible recursive instance document Yandex Cloud serves. */
export const YCLOUD_INSTANCE_PATH = "/computeMetadata/v1/instance/?alt=json&recursive=true";

/** `projects/<cloud>/zones/<zone>` → `<zone>`; anything else is "". */
export function zoneId(zone: string): string {
  if (!zone.startsWith("projects/")) return "";
  return zone.split("/")[3] ?? "";
}

/** The instance document at `endpoint` as a row; undefined when the service gives none. */
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
