/**
 * `azure_instance_tags`: this VM's tags, split from the metadata service's `key:value;...` list.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { azureCompute } from "./_azure.ts";
import { stringKey } from "./_lib.ts";

export default registerTable(defineTable({
  name: "azure_instance_tags",
  description: "Tags of this Azure VM, from the Instance Metadata Service's `key:value;...` tag list.",
  columns: [
    { name: "vm_id", type: "TEXT", description: "The VM's unique id." },
    { name: "key", type: "TEXT", description: "The tag's name." },
    { name: "value", type: "TEXT", description: "The tag's value." },
  ],
  attributes: { cacheable: true },
  generate(ctx) {
    const doc = azureCompute(ctx.host);
    if (doc === undefined) return [];
    const vmId = stringKey(doc, "vmId");
    const rows: Row[] = [];
    for (const tag of stringKey(doc, "tags").split(";")) {
      const colon = tag.indexOf(":");
      if (colon < 0) continue; // an empty list, or a tag without a value separator
      rows.push({ vm_id: vmId, key: tag.slice(0, colon), value: tag.slice(colon + 1) });
    }
    return rows;
  },
}));
