/**
 * `ec2_instance_tags`: this instance's tags, from EC2's DescribeTags or the metadata service.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { identityDocument, imdsGet } from "./_ec2.ts";
import { describeInstanceTags } from "./_aws.ts";

export default registerTable(defineTable({
  name: "ec2_instance_tags",
  description: "Tags of this EC2 instance, from EC2's DescribeTags (or the metadata service's tag category).",
  columns: [
    { name: "instance_id", type: "TEXT", description: "The EC2 instance id." },
    { name: "key", type: "TEXT", description: "The tag's name." },
    { name: "value", type: "TEXT", description: "The tag's value." },
  ],
  attributes: { cacheable: true },
  generate() {
    const identity = identityDocument();
    const instanceId = identity?.instanceId ?? "";
    if (instanceId === "") return [];
    // osquery asks the EC2 API (signed with the flags', environment's or instance profile's
    // credentials); without credentials or API access, instance metadata tags still answer.
    const region = identity?.region ?? "";
    const fromApi = region === "" ? undefined : describeInstanceTags(instanceId, region);
    if (fromApi !== undefined) return fromApi.map(({ key, value }) => ({ instance_id: instanceId, key, value }));
    // Tags appear under meta-data/tags/instance once the instance allows tags in its metadata;
    // otherwise that category answers 404 and there is nothing to list.
    const listing = imdsGet("meta-data/tags/instance");
    if (listing === undefined || listing.status !== 200) return [];
    const rows: Row[] = [];
    for (const key of listing.text.split("\n").filter((k) => k !== "")) {
      const value = imdsGet(`meta-data/tags/instance/${encodeURIComponent(key)}`);
      if (value === undefined || value.status !== 200) continue;
      rows.push({ instance_id: instanceId, key, value: value.text });
    }
    return rows;
  },
}));
