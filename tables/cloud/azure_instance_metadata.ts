/**
 * `azure_instance_metadata`: this VM's compute document from the Azure Instance Metadata Service.
 *
 * @module
 */
import { defineTable } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { azureCompute } from "./_azure.ts";
import { stringKey } from "./_lib.ts";

export default registerTable(defineTable({
  name: "azure_instance_metadata",
  description: "This Azure VM's identity, image and placement from the Azure Instance Metadata Service.",
  columns: [
    { name: "location", type: "TEXT", description: "The Azure region the VM runs in." },
    { name: "name", type: "TEXT", description: "The VM's name." },
    { name: "offer", type: "TEXT", description: "The image's offer (for gallery images)." },
    { name: "publisher", type: "TEXT", description: "Who published the VM's image." },
    { name: "sku", type: "TEXT", description: "The image's SKU." },
    { name: "version", type: "TEXT", description: "The image's version." },
    { name: "os_type", type: "TEXT", description: "Linux or Windows." },
    { name: "platform_update_domain", type: "TEXT", description: "The update domain the VM is placed in." },
    { name: "platform_fault_domain", type: "TEXT", description: "The fault domain the VM is placed in." },
    { name: "vm_id", type: "TEXT", index: true, description: "The VM's unique id." },
    { name: "vm_size", type: "TEXT", description: "The VM size (e.g. Standard_D2s_v3)." },
    { name: "subscription_id", type: "TEXT", description: "The Azure subscription the VM belongs to." },
    { name: "resource_group_name", type: "TEXT", description: "The resource group holding the VM." },
    { name: "placement_group_id", type: "TEXT", description: "The placement group of its scale set." },
    { name: "vm_scale_set_name", type: "TEXT", description: "The scale set the VM belongs to." },
    { name: "zone", type: "TEXT", description: "The availability zone of the VM." },
  ],
  attributes: { cacheable: true },
  generate(ctx) {
    const doc = azureCompute(ctx.host);
    if (doc === undefined) return [];
    return [Object.fromEntries(COLUMNS.map(([column, key]) => [column, stringKey(doc, key)]))];
  },
}));

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
