/**
 * Just enough of the AWS API for ec2_instance_tags: credentials (flags, environment, then the
 * instance profile's temporary credentials from IMDS), Signature Version 4 for a GET query
 * request, and EC2's DescribeTags answer (XML) read into key/value pairs.
 *
 * @module
 */
import { createHash, createHmac } from "node:crypto";
import { defineFlag, flags } from "../../core/flags/flags.ts";
import "../../core/aws/flags.ts"; // osquery's --aws_* credentials flags, defined once for the loggers and these tables
import { curlRequest } from "../../core/net/curl.ts";
import { imdsGet, metadataText } from "./_ec2.ts";
import { parseObject, stringKey } from "./_lib.ts";

defineFlag({
  name: "ec2_api_endpoint",
  type: "string",
  default: "",
  description: "Base URL of the EC2 API instead of https://ec2.<region>.amazonaws.com (for testing)",
  hidden: true,
});

/** AWS credentials for signing. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Credentials in the order osquery's provider chain tries them: the aws_* flags, the AWS_*
 * environment variables, then the instance profile's role credentials from the metadata service.
 */
export function awsCredentials(): AwsCredentials | undefined {
  const fromFlags = flags.string("aws_access_key_id");
  if (fromFlags !== "" && flags.string("aws_secret_access_key") !== "") {
    const token = flags.string("aws_session_token");
    return {
      accessKeyId: fromFlags,
      secretAccessKey: flags.string("aws_secret_access_key"),
      sessionToken: token || undefined,
    };
  }
  const env = Deno.env.toObject();
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN || undefined,
    };
  }
  const roles = imdsGet("meta-data/iam/security-credentials/");
  if (roles === undefined || roles.status !== 200) return undefined;
  const role = metadataText(roles.text).split(",")[0];
  if (!role) return undefined;
  const answer = imdsGet(`meta-data/iam/security-credentials/${encodeURIComponent(role)}`);
  if (answer === undefined || answer.status !== 200) return undefined;
  const doc = parseObject(answer.text);
  const accessKeyId = stringKey(doc, "AccessKeyId");
  const secretAccessKey = stringKey(doc, "SecretAccessKey");
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, sessionToken: stringKey(doc, "Token") || undefined };
}

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept, everything else %XX). */
export function awsEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

function sha256Hex(data: string): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Uint8Array, data: string): Uint8Array {
  return new Uint8Array(createHmac("sha256", key).update(data).digest());
}

/** A request to sign: GET with query parameters, to `host`. */
export interface SignableGet {
  host: string;
  path: string;
  query: Record<string, string>;
  region: string;
  service: string;
  /** `YYYYMMDD'T'HHMMSS'Z'` */
  amzDate: string;
}

/**
 * Signs a GET with Signature Version 4; returns the headers to send (Authorization, X-Amz-Date,
 * and X-Amz-Security-Token for temporary credentials) and the canonical query string.
 */
export function signGet(req: SignableGet, creds: AwsCredentials): { headers: Record<string, string>; query: string } {
  const query = Object.keys(req.query).sort().map((k) => `${awsEncode(k)}=${awsEncode(req.query[k])}`).join("&");
  const headers: Record<string, string> = { host: req.host, "x-amz-date": req.amzDate };
  if (creds.sessionToken) headers["x-amz-security-token"] = creds.sessionToken;
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n].trim()}\n`).join("");
  const signedHeaders = names.join(";");
  const canonical = ["GET", req.path, query, canonicalHeaders, signedHeaders, sha256Hex("")].join("\n");
  const day = req.amzDate.slice(0, 8);
  const scope = `${day}/${req.region}/${req.service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", req.amzDate, scope, sha256Hex(canonical)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, day), req.region), req.service), "aws4_request");
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  const out: Record<string, string> = {
    Authorization:
      `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    "X-Amz-Date": req.amzDate,
  };
  if (creds.sessionToken) out["X-Amz-Security-Token"] = creds.sessionToken;
  return { headers: out, query };
}

function xmlText(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    switch (e) {
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "quot":
        return '"';
      case "apos":
        return "'";
      case "amp":
        return "&";
    }
    const code = e.startsWith("#x") ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) ? String.fromCodePoint(code) : "";
  });
}

/** The key/value pairs of a DescribeTags response (`<tagSet><item><key/><value/></item>...`). */
export function parseDescribeTags(xml: string): { key: string; value: string }[] {
  const set = /<tagSet>([\s\S]*?)<\/tagSet>/.exec(xml);
  if (!set) return [];
  const tags: { key: string; value: string }[] = [];
  for (const item of set[1].matchAll(/<item>([\s\S]*?)<\/item>/g)) {
    const key = /<key>([\s\S]*?)<\/key>/.exec(item[1]);
    const value = /<value>([\s\S]*?)<\/value>|<value\s*\/>/.exec(item[1]);
    if (!key) continue;
    tags.push({ key: xmlText(key[1]), value: xmlText(value?.[1] ?? "") });
  }
  return tags;
}

/**
 * The instance's tags from EC2's DescribeTags (filter resource-id, at most 50, as osquery asks),
 * or `undefined` when there are no credentials or the call fails.
 */
export function describeInstanceTags(instanceId: string, region: string): { key: string; value: string }[] | undefined {
  const creds = awsCredentials();
  if (creds === undefined) return undefined;
  const override = flags.string("ec2_api_endpoint");
  const base = override !== "" ? override.replace(/\/+$/, "") : `https://ec2.${region}.amazonaws.com`;
  const url = new URL(base);
  const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const { headers, query } = signGet({
    host: url.host,
    path: "/",
    region,
    service: "ec2",
    amzDate,
    query: {
      Action: "DescribeTags",
      Version: "2016-11-15",
      MaxResults: "50",
      "Filter.1.Name": "resource-id",
      "Filter.1.Value.1": instanceId,
    },
  }, creds);
  const result = curlRequest({ url: `${base}/?${query}`, headers, timeouts: { connectMs: 3_000, totalMs: 10_000 } });
  if (!result.ok || result.status !== 200) return undefined;
  return parseDescribeTags(new TextDecoder().decode(result.body));
}
