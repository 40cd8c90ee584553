/**
 * `ec2_instance_metadata`: this instance's identity, placement and network details from EC2's
 * instance metadata service (IMDSv2 token first, v1 as fallback).
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { imdsGet, metadataText } from "./_ec2.ts";
import { parseObject, stringKey } from "./_lib.ts";

export default registerTable(defineTable({
  name: "ec2_instance_metadata",
  description: "This EC2 instance's identity, placement and network details from the instance metadata service.",
  columns: [
    { name: "instance_id", type: "TEXT", description: "The EC2 instance id." },
    { name: "instance_type", type: "TEXT", description: "The instance type (e.g. t3.micro)." },
    { name: "architecture", type: "TEXT", description: "The instance's hardware architecture." },
    { name: "region", type: "TEXT", description: "The AWS region the instance was launched in." },
    { name: "availability_zone", type: "TEXT", description: "The availability zone the instance was launched in." },
    { name: "local_hostname", type: "TEXT", description: "Private DNS name of the first network interface." },
    { name: "local_ipv4", type: "TEXT", description: "Private IPv4 address of the first network interface." },
    { name: "mac", type: "TEXT", collate: "nocase", description: "MAC address of the first network interface." },
    { name: "security_groups", type: "TEXT", description: "Names of the instance's security groups, comma-separated." },
    { name: "iam_arn", type: "TEXT", description: "ARN of the instance profile, when an IAM role is attached." },
    { name: "ami_id", type: "TEXT", description: "The AMI the instance was launched from." },
    { name: "reservation_id", type: "TEXT", description: "The id of the instance's reservation." },
    { name: "account_id", type: "TEXT", description: "The AWS account that owns the instance." },
    { name: "ssh_public_key", type: "TEXT", description: "The SSH public key given at launch, if any." },
  ],
  attributes: { cacheable: true },
  generate: () => instanceRows(),
}));

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

/**
 * The instance's row: the identity document, the IAM info and one metadata category per text
 * column. Not on EC2 (nothing answered, or nothing like its metadata service did): no row.
 */
function instanceRows(): Row[] {
  const row: Row = {};
  let answered = false;
  let found = false;
  // A category the service answers with 404 (no IAM role, no key pair) is an empty value;
  // any other failure leaves its columns unset (read as "", as every unset TEXT column).
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
}
