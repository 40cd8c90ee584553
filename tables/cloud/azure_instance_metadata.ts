import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { azureCompute } from "./_azure.ts";
import { stringKey } from "./_lib.ts";

/** Columns by compute-document key. */
const COLUMNS: [string, string][] = [
  ["location", "location"],
  ["name", "name"],
  ["offer", "offer"],
  ["publisher", "publisher"],
  ["sku", "sku"],
  ["version", "version"],
  ["os_type", "osType"],
  ["platform_update_domain", "platformUpdateDomain"],
  ["platform_fault_domain", "platformFaultDomain"],
  ["vm_id", "vmId"],
  ["vm_size", "vmSize"],
  ["subscription_id", "subscriptionId"],
  ["resource_group_name", "resourceGroupName"],
  ["placement_group_id", "placementGroupId"],
  ["vm_scale_set_name", "vmScaleSetName"],
  ["zone", "zone"],
];

export default registerTable(defineTable({
  name: "azure_instance_metadata",
  description: "This Azure VM's identity, image and placement from the Azure Instance Metadata Service.",
  columns: [
    { name: "location", type: "TEXT" },
    { name: "name", type: "TEXT" },
    { name: "offer", type: "TEXT" },
    { name: "publisher", type: "TEXT" },
    { name: "sku", type: "TEXT" },
    { name: "version", type: "TEXT" },
    { name: "os_type", type: "TEXT" },
    { name: "platform_update_domain", type: "TEXT" },
    { name: "platform_fault_domain", type: "TEXT" },
    { name: "vm_id", type: "TEXT", index: true },
    { name: "vm_size", type: "TEXT" },
    { name: "subscription_id", type: "TEXT" },
    { name: "resource_group_name", type: "TEXT" },
    { name: "placement_group_id", type: "TEXT" },
    { name: "vm_scale_set_name", type: "TEXT" },
    { name: "zone", type: "TEXT" },
  ],
  attributes: { cacheable: true },
  generate() {
    const doc = azureCompute();
    if (doc === undefined) return [];
    return [Object.fromEntries(COLUMNS.map(([column, key]) => [column, stringKey(doc, key)]))];
  },
}));
