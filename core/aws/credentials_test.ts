import { assertEquals, assertRejects } from "../../testing/assert.ts";
import { withFlags } from "../../testing/fake_tls_server.ts";
import { AwsCredentialsError, AwsCredentialsProvider, parseIni, profileRegion } from "./credentials.ts";
import { awsRegion, serviceUrl } from "./client.ts";

const CLEARED = {
  aws_access_key_id: "",
  aws_secret_access_key: "",
  aws_session_token: "",
  aws_profile_name: "",
  aws_sts_arn_role: "",
  aws_region: "",
};

/** Runs `fn` with HOME in a temp dir holding `files` (under .aws/), the AWS_* environment cleared. */
async function withHome(files: Record<string, string>, env: Record<string, string>, fn: () => Promise<void>) {
  const home = Deno.makeTempDirSync({ prefix: "osq-aws-" });
  Deno.mkdirSync(`${home}/.aws`);
  for (const [name, text] of Object.entries(files)) Deno.writeTextFileSync(`${home}/.aws/${name}`, text);
  const names = ["HOME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"];
  const saved = new Map(names.map((n) => [n, Deno.env.get(n)]));
  for (const n of names) Deno.env.delete(n);
  Deno.env.set("HOME", home);
  for (const [k, v] of Object.entries(env)) Deno.env.set(k, v);
  try {
    await fn();
  } finally {
    for (const [n, v] of saved) v === undefined ? Deno.env.delete(n) : Deno.env.set(n, v);
    Deno.removeSync(home, { recursive: true });
  }
}

const CREDENTIALS = `[default]
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = default-secret

[work]
aws_access_key_id=AKIDWORK
aws_secret_access_key=work-secret
aws_session_token=work-token
`;

Deno.test("aws credentials: INI files as the AWS CLI writes them", () => {
  const ini = parseIni(CREDENTIALS + "; comment\n# another\n");
  assertEquals(ini.get("work")?.get("aws_session_token"), "work-token");
  assertEquals(ini.get("default")?.get("aws_access_key_id"), "AKIDDEFAULT");
});

Deno.test("aws credentials: flags first, then the named profile, the environment, the default profile", async () => {
  await withHome(
    { credentials: CREDENTIALS },
    { AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: "env" },
    async () => {
      const id = async (flagValues: Record<string, string>) =>
        await withFlags(
          { ...CLEARED, ...flagValues },
          async () => (await new AwsCredentialsProvider().get()).accessKeyId,
        );
      assertEquals(await id({ aws_access_key_id: "AKIDFLAG", aws_secret_access_key: "s" }), "AKIDFLAG");
      assertEquals(await id({ aws_profile_name: "work" }), "AKIDWORK");
      assertEquals(await id({}), "AKIDENV");
      Deno.env.delete("AWS_ACCESS_KEY_ID");
      assertEquals(await id({}), "AKIDDEFAULT");
      // A session token flag goes with the flag keys (osquery's STS provider, no request).
      const withToken = await withFlags(
        { ...CLEARED, aws_access_key_id: "AKIDFLAG", aws_secret_access_key: "s", aws_session_token: "tok" },
        () => new AwsCredentialsProvider().get(),
      );
      assertEquals(withToken.sessionToken, "tok");
    },
  );
});

Deno.test("aws credentials: the instance profile's role credentials from IMDSv2", async () => {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    seen.push(`${req.method} ${path} ${req.headers.get("x-aws-ec2-metadata-token") ?? ""}`);
    if (path === "/latest/api/token" && req.method === "PUT") return new Response("TOKEN1");
    if (req.headers.get("x-aws-ec2-metadata-token") !== "TOKEN1") return new Response("", { status: 401 });
    if (path === "/latest/meta-data/iam/security-credentials/") return new Response("my-role\n");
    if (path === "/latest/meta-data/iam/security-credentials/my-role") {
      return Response.json({
        AccessKeyId: "ASIAIMDS",
        SecretAccessKey: "imds-secret",
        Token: "imds-token",
        Expiration: new Date(Date.now() + 3600_000).toISOString(),
      });
    }
    return new Response("", { status: 404 });
  });
  try {
    await withHome({}, {}, async () => {
      await withFlags({ ...CLEARED, instance_metadata_authority: `127.0.0.1:${server.addr.port}` }, async () => {
        const c = await new AwsCredentialsProvider().get();
        assertEquals([c.accessKeyId, c.secretAccessKey, c.sessionToken], ["ASIAIMDS", "imds-secret", "imds-token"]);
      });
    });
    assertEquals(seen[0], "PUT /latest/api/token ");
  } finally {
    await server.shutdown();
  }
});

Deno.test("aws credentials: --aws_sts_arn_role assumes the role with STS, signed with the base credentials", async () => {
  let body = "";
  let auth = "";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    body = await req.text();
    auth = req.headers.get("authorization") ?? "";
    return new Response(
      `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIASTS</AccessKeyId>` +
        `<SecretAccessKey>sts-secret</SecretAccessKey><SessionToken>sts-token</SessionToken>` +
        `<Expiration>${new Date(Date.now() + 900_000).toISOString()}</Expiration></Credentials>` +
        `</AssumeRoleResult></AssumeRoleResponse>`,
      { headers: { "content-type": "text/xml" } },
    );
  });
  try {
    await withHome({}, {}, async () => {
      await withFlags({
        ...CLEARED,
        aws_access_key_id: "AKIDBASE",
        aws_secret_access_key: "base",
        aws_sts_arn_role: "arn:aws:iam::123456789012:role/osq",
        aws_sts_region: "eu-central-1",
        aws_sts_session_name: "osq-session",
        aws_sts_endpoint: `http://127.0.0.1:${server.addr.port}`,
      }, async () => {
        const c = await new AwsCredentialsProvider().get();
        assertEquals([c.accessKeyId, c.sessionToken], ["ASIASTS", "sts-token"]);
      });
    });
    const params = new URLSearchParams(body);
    assertEquals(params.get("Action"), "AssumeRole");
    assertEquals(params.get("RoleArn"), "arn:aws:iam::123456789012:role/osq");
    assertEquals(params.get("RoleSessionName"), "osq-session");
    assertEquals(params.get("DurationSeconds"), "3600");
    assertEquals(auth.includes("Credential=AKIDBASE/") && auth.includes("/eu-central-1/sts/aws4_request"), true);
  } finally {
    await server.shutdown();
  }
});

Deno.test("aws credentials: none anywhere is an error that says where credentials come from", async () => {
  await withHome({}, {}, async () => {
    await withFlags({ ...CLEARED, instance_metadata_authority: "127.0.0.1:9" }, async () => {
      await assertRejects(() => new AwsCredentialsProvider().get(), AwsCredentialsError, "--aws_access_key_id");
    });
  });
});

Deno.test("aws region: service flag, --aws_region, the profile's config, else us-east-1; endpoints", async () => {
  await withHome({ config: "[profile work]\nregion = ap-south-1\n[default]\nregion=eu-north-1\n" }, {}, async () => {
    await withFlags(CLEARED, () => {
      assertEquals(awsRegion("us-west-2"), "us-west-2");
      assertEquals(awsRegion(), "eu-north-1");
      assertEquals(profileRegion("work"), "ap-south-1");
      return Promise.resolve();
    });
    await withFlags(
      { ...CLEARED, aws_profile_name: "work" },
      () => Promise.resolve(assertEquals(awsRegion(), "ap-south-1")),
    );
    await withFlags(
      { ...CLEARED, aws_region: "sa-east-1" },
      () => Promise.resolve(assertEquals(awsRegion(), "sa-east-1")),
    );
  });
  await withHome({}, {}, () => withFlags(CLEARED, () => Promise.resolve(assertEquals(awsRegion(), "us-east-1"))));
  assertEquals(serviceUrl("kinesis", "eu-west-1").href, "https://kinesis.eu-west-1.amazonaws.com/");
  assertEquals(serviceUrl("firehose", "us-east-1", "localhost:4573").href, "https://localhost:4573/");
  assertEquals(serviceUrl("firehose", "us-east-1", "http://127.0.0.1:4573").href, "http://127.0.0.1:4573/");
});
