/**
 * AWS credentials in the order osquery's provider chain tries them:
 *
 * 1. `--aws_session_token` (with `--aws_access_key_id`/`--aws_secret_access_key`), or with
 *    `--aws_sts_arn_role` the temporary credentials of an STS AssumeRole (signed with the rest
 *    of the chain), renewed after `--aws_sts_timeout` seconds;
 * 2. `--aws_access_key_id` and `--aws_secret_access_key`;
 * 3. the `--aws_profile_name` profile of `~/.aws/credentials`;
 * 4. the `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` environment;
 * 5. the default profile (`AWS_PROFILE`, else `default`) of `~/.aws/credentials`
 *    (`AWS_SHARED_CREDENTIALS_FILE` moves the file);
 * 6. the instance profile's role credentials from the instance metadata service (IMDSv2, with
 *    the v1 fallback unless `--aws_disable_imdsv1_fallback`).
 *
 * @module
 */
import "./flags.ts";
import { flags } from "../flags/flags.ts";
import { readCapped } from "../net/read_capped.ts";
import { assumeRole } from "./sts.ts";

/** Credentials for signing. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop being valid. */
  expiration?: Date;
}

/** Raised when no source has credentials, naming what was tried. */
export class AwsCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AwsCredentialsError";
  }
}

/** Reads an INI file of `[section]` and `key = value` lines (as the AWS CLI writes them). */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let section: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const head = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (head) {
      section = out.get(head[1]) ?? new Map();
      out.set(head[1], section);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq > 0 && section) section.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  return out;
}

function home(): string {
  return Deno.env.get("HOME") ?? "/root";
}

function readIni(path: string): Map<string, Map<string, string>> | undefined {
  try {
    return parseIni(Deno.readTextFileSync(path));
  } catch {
    return undefined;
  }
}

/** The shared credentials file's profile, or undefined when it has no keys for it. */
export function profileCredentials(profile: string): AwsCredentials | undefined {
  const path = Deno.env.get("AWS_SHARED_CREDENTIALS_FILE") ?? `${home()}/.aws/credentials`;
  const section = readIni(path)?.get(profile);
  const accessKeyId = section?.get("aws_access_key_id");
  const secretAccessKey = section?.get("aws_secret_access_key");
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, sessionToken: section?.get("aws_session_token") || undefined };
}

/** The region of a profile in `~/.aws/config` (`[default]` or `[profile NAME]`). */
export function profileRegion(profile: string): string | undefined {
  const path = Deno.env.get("AWS_CONFIG_FILE") ?? `${home()}/.aws/config`;
  const key = profile && profile !== "default" ? `profile ${profile}` : "default";
  return readIni(path)?.get(key)?.get("region") || undefined;
}

function fromFlags(): AwsCredentials | undefined {
  const id = flags.string("aws_access_key_id");
  const secret = flags.string("aws_secret_access_key");
  return id && secret ? { accessKeyId: id, secretAccessKey: secret } : undefined;
}

function fromEnvironment(): AwsCredentials | undefined {
  const id = Deno.env.get("AWS_ACCESS_KEY_ID");
  const secret = Deno.env.get("AWS_SECRET_ACCESS_KEY");
  return id && secret
    ? { accessKeyId: id, secretAccessKey: secret, sessionToken: Deno.env.get("AWS_SESSION_TOKEN") || undefined }
    : undefined;
}

const IMDS_TIMEOUT_MS = 2000;
const IMDS_MAX_BYTES = 64 * 1024;

/** The instance profile's credentials from IMDS, or undefined when there is no service or role. */
export async function instanceProfileCredentials(): Promise<AwsCredentials | undefined> {
  const base = `http://${flags.string("instance_metadata_authority")}`;
  const get = async (path: string, headers: Record<string, string>, method = "GET") => {
    try {
      const res = await fetch(`${base}${path}`, { method, headers, signal: AbortSignal.timeout(IMDS_TIMEOUT_MS) });
      // Credentials are a small JSON document; a larger answer is no instance metadata service.
      return { status: res.status, text: await readCapped(res, IMDS_MAX_BYTES) };
    } catch {
      return undefined;
    }
  };
  const token = await get("/latest/api/token", { "x-aws-ec2-metadata-token-ttl-seconds": "21600" }, "PUT");
  if (token === undefined) return undefined;
  const headers: Record<string, string> = {};
  if (token.status === 200 && token.text.trim()) headers["x-aws-ec2-metadata-token"] = token.text.trim();
  else if (flags.bool("aws_disable_imdsv1_fallback")) return undefined;
  const roles = await get("/latest/meta-data/iam/security-credentials/", headers);
  const role = roles?.status === 200 ? roles.text.split("\n")[0].trim() : "";
  if (!role) return undefined;
  const answer = await get(`/latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`, headers);
  if (answer?.status !== 200) return undefined;
  try {
    const doc = JSON.parse(answer.text) as Record<string, string>;
    if (!doc.AccessKeyId || !doc.SecretAccessKey) return undefined;
    return {
      accessKeyId: doc.AccessKeyId,
      secretAccessKey: doc.SecretAccessKey,
      sessionToken: doc.Token || undefined,
      expiration: doc.Expiration ? new Date(doc.Expiration) : undefined,
    };
  } catch {
    return undefined;
  }
}

/** The chain without STS (what signs the AssumeRole request). */
async function baseChain(): Promise<AwsCredentials | undefined> {
  const profile = flags.string("aws_profile_name");
  return fromFlags() ??
    (profile ? profileCredentials(profile) : undefined) ??
    fromEnvironment() ??
    profileCredentials(Deno.env.get("AWS_PROFILE") || "default") ??
    await instanceProfileCredentials();
}

/** Renew temporary credentials this long before they expire. */
const RENEW_MS = 60_000;

/** osquery's credentials chain, caching temporary credentials until shortly before they expire. */
export class AwsCredentialsProvider {
  #cached: AwsCredentials | undefined;

  /** Credentials now; throws {@linkcode AwsCredentialsError} when no source has any. */
  async get(): Promise<AwsCredentials> {
    const c = this.#cached;
    if (c && (!c.expiration || c.expiration.getTime() - RENEW_MS > Date.now())) return c;
    const fresh = await this.#resolve();
    this.#cached = fresh.expiration ? fresh : undefined;
    return fresh;
  }

  async #resolve(): Promise<AwsCredentials> {
    const token = flags.string("aws_session_token");
    if (token) {
      const base = fromFlags();
      if (base) return { ...base, sessionToken: token };
    }
    const role = flags.string("aws_sts_arn_role");
    if (role) {
      const base = await baseChain();
      if (!base) throw this.#missing();
      return await assumeRole(base, {
        roleArn: role,
        sessionName: flags.string("aws_sts_session_name"),
        durationSeconds: flags.number("aws_sts_timeout"),
      });
    }
    const found = await baseChain();
    if (!found) throw this.#missing();
    return found;
  }

  #missing(): AwsCredentialsError {
    return new AwsCredentialsError(
      "No AWS credentials: set --aws_access_key_id and --aws_secret_access_key, --aws_profile_name, " +
        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws/credentials, or run on an instance with a role.",
    );
  }
}
