import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { imdsGet, metadataText } from "./_ec2.ts";
import { parseObject, stringKey } from "./_lib.ts";

/** Columns filled from the instance identity document, by document key. */
const IDENTITY_COLUMNS: [string, string][] = [
  ["instance_id", "instanceId"],
  ["instance_type", "instanceType"],
  ["local_ipv4", "privateIp"],
  ["availability_zone", "availabilityZone"],
  ["region", "region"],
  ["account_id", "accountId"],
  ["architecture", "architecture"],
  ["ami_id", "imageId"],
];

/** Columns that are one plain-text metadata category each. */
const TEXT_COLUMNS: [string, string][] = [
  ["mac", "meta-data/mac"],
  ["local_hostname", "meta-data/local-hostname"],
  ["ssh_public_key", "meta-data/public-keys/0/openssh-key"],
  ["reservation_id", "meta-data/reservation-id"],
  ["security_groups", "meta-data/security-groups"],
];

export default registerTable(defineTable({
  name: "ec2_instance_metadata",
  description: "This EC2 instance's identity, placement and network details from the instance metadata service.",
  columns: [
    { name: "instance_id", type: "TEXT" },
    { name: "instance_type", type: "TEXT" },
    { name: "architecture", type: "TEXT" },
    { name: "region", type: "TEXT" },
    { name: "availability_zone", type: "TEXT" },
    { name: "local_hostname", type: "TEXT" },
    { name: "local_ipv4", type: "TEXT" },
    { name: "mac", type: "TEXT", collate: "nocase" },
    { name: "security_groups", type: "TEXT" },
    { name: "iam_arn", type: "TEXT" },
    { name: "ami_id", type: "TEXT" },
    { name: "reservation_id", type: "TEXT" },
    { name: "account_id", type: "TEXT" },
    { name: "ssh_public_key", type: "TEXT" },
  ],
  attributes: { cacheable: true },
  generate() {
    const row: Row = {};
    let answered = false;
    let found = false;
    // A category the service answers with 404 (no IAM role, no key pair) is an empty value;
    // any other failure leaves its columns NULL.
    const get = (suffix: string): string | undefined => {
      const answer = imdsGet(suffix);
      if (answer === undefined) return undefined;
      answered = true;
      if (answer.status === 404) return "";
      if (answer.status !== 200) return undefined;
      found = true;
      return answer.text;
    };
    const identity = get("dynamic/instance-identity/document");
    if (identity === undefined && !answered) return []; // not on EC2: nothing answered
    if (identity !== undefined) {
      const doc = parseObject(identity);
      if (doc !== undefined) { for (const [column, key] of IDENTITY_COLUMNS) row[column] = stringKey(doc, key); }
    }
    const iam = get("meta-data/iam/info");
    if (iam !== undefined) row.iam_arn = iam === "" ? "" : stringKey(parseObject(iam), "InstanceProfileArn");
    for (const [column, suffix] of TEXT_COLUMNS) {
      const text = get(suffix);
      if (text !== undefined) row[column] = metadataText(text);
    }
    // Something answered, but nothing like EC2's metadata service (a proxy's error page, another
    // cloud's 404s): no row, rather than a row of NULLs.
    return found ? [row] : [];
  },
}));
