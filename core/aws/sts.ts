/**
 * STS AssumeRole (`--aws_sts_arn_role`): temporary credentials for the role, requested in
 * `--aws_sts_region` and signed with the base credentials, as osquery's STS provider does.
 *
 * @module
 */
import "./flags.ts";
import { flags } from "../flags/flags.ts";
import type { AwsCredentials } from "./credentials.ts";

/** What to assume. */
export interface AssumeRoleRequest {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
}

function tag(xml: string, name: string): string {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m ? m[1].replaceAll("&amp;", "&").replaceAll("&lt;", "<").replaceAll("&gt;", ">") : "";
}

/** Calls STS AssumeRole; throws naming the role and STS's message when it refuses. */
export async function assumeRole(base: AwsCredentials, request: AssumeRoleRequest): Promise<AwsCredentials> {
  // Imported here: client.ts imports the credentials module, which imports this one.
  const { AwsClient, AwsError, awsRegion } = await import("./client.ts");
  const client = new AwsClient({
    service: "sts",
    region: awsRegion(flags.string("aws_sts_region")),
    endpoint: flags.string("aws_sts_endpoint"),
    credentials: () => Promise.resolve(base),
  });
  try {
    const body = new URLSearchParams({
      Action: "AssumeRole",
      Version: "2011-06-15",
      RoleArn: request.roleArn,
      RoleSessionName: request.sessionName,
      DurationSeconds: String(request.durationSeconds),
    }).toString();
    const { status, text } = await client.post({ "content-type": "application/x-www-form-urlencoded" }, body);
    if (status !== 200) {
      throw new AwsError(
        `STS AssumeRole of ${request.roleArn} failed: ${tag(text, "Code") || `HTTP ${status}`}: ${
          tag(text, "Message")
        }`,
        tag(text, "Code") || `HTTP${status}`,
        status,
      );
    }
    const expiration = tag(text, "Expiration");
    return {
      accessKeyId: tag(text, "AccessKeyId"),
      secretAccessKey: tag(text, "SecretAccessKey"),
      sessionToken: tag(text, "SessionToken") || undefined,
      // osquery renews after --aws_sts_timeout; STS's own expiry bounds it too.
      expiration: new Date(
        Math.min(
          Date.now() + request.durationSeconds * 1000,
          expiration ? Date.parse(expiration) || Infinity : Infinity,
        ),
      ),
    };
  } finally {
    client.close();
  }
}
