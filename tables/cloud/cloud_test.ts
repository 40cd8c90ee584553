import "./mod.ts";
import { Engine } from "../../core/engine.ts";
import { flags } from "../../core/flags/flags.ts";
import { assert, assertEquals, assertStringIncludes } from "../../testing/assert.ts";
import { DEFAULT_METADATA_AUTHORITY, isUnreachable, resetUnreachable } from "./_lib.ts";
import { resetImdsToken } from "./_ec2.ts";
import { looksLikeAzure } from "./_azure.ts";
import { fixtureHost } from "../../testing/table_engine.ts";
import { zoneId } from "./ycloud_instance_metadata.ts";
import { parseDescribeTags, signGet } from "./_aws.ts";
import type { LoggedRequest as Logged } from "../../testdata/cloud/logged_request.ts";

/** Runs the recorded metadata service in a Worker and points the cloud tables at it. */
async function withMetadataService(
  imdsv2: "required" | "optional" | "absent" | "denied",
  fn: (engine: Engine, log: () => Promise<Logged[]>, port: number) => void | Promise<void>,
) {
  const worker = new Worker(new URL("../../testdata/cloud/metadata_server.ts", import.meta.url), { type: "module" });
  const port = await new Promise<number>((resolve) => {
    worker.onmessage = (e: MessageEvent<{ port: number }>) => resolve(e.data.port);
    worker.postMessage({ start: { imdsv2 } });
  });
  const log = () =>
    new Promise<Logged[]>((resolve) => {
      worker.onmessage = (e: MessageEvent<{ requests: Logged[] }>) => resolve(e.data.requests);
      worker.postMessage({ log: true });
    });
  resetUnreachable();
  resetImdsToken();
  flags.set("instance_metadata_authority", `127.0.0.1:${port}`);
  flags.set("aws_imdsv2_request_interval", 0);
  const engine = new Engine();
  try {
    await fn(engine, log, port);
  } finally {
    engine.close();
    flags.set("instance_metadata_authority", DEFAULT_METADATA_AUTHORITY);
    flags.set("aws_imdsv2_request_interval", 3);
    flags.set("aws_disable_imdsv1_fallback", false);
    flags.set("ec2_api_endpoint", "");
    resetUnreachable();
    resetImdsToken();
    worker.terminate();
  }
}

const CLOUD_TABLES = [
  "ec2_instance_metadata",
  "ec2_instance_tags",
  "azure_instance_metadata",
  "azure_instance_tags",
  "ycloud_instance_metadata",
];

Deno.test("cloud: a host with nothing at the metadata address gets zero rows, and the address is then skipped", () => {
  // Port 1 on loopback refuses at once, like a host with no metadata service behind the link-local address.
  flags.set("instance_metadata_authority", "127.0.0.1:1");
  resetUnreachable();
  resetImdsToken();
  const engine = new Engine();
  try {
    for (const t of CLOUD_TABLES) assertEquals(engine.query(`SELECT * FROM ${t}`), [], t);
    assert(isUnreachable("http://127.0.0.1:1"), "the refused authority is remembered");
  } finally {
    engine.close();
    flags.set("instance_metadata_authority", DEFAULT_METADATA_AUTHORITY);
    resetUnreachable();
  }
});

Deno.test("ec2_instance_metadata: identity document, IAM profile and text categories, all with the IMDSv2 token", async () => {
  await withMetadataService("required", async (engine, log) => {
    assertEquals(engine.query("SELECT * FROM ec2_instance_metadata"), [{
      instance_id: "i-0a1b2c3d4e5f60718",
      instance_type: "m6i.large",
      architecture: "x86_64",
      region: "eu-west-1",
      availability_zone: "eu-west-1b",
      local_hostname: "ip-172-31-20-14.eu-west-1.compute.internal",
      local_ipv4: "172.31.20.14",
      mac: "0a:1b:2c:3d:4e:5f",
      security_groups: "default,osq-fleet-ssh",
      iam_arn: "arn:aws:iam::123456789012:instance-profile/osq-fleet",
      ami_id: "ami-0abcdef1234567890",
      reservation_id: "r-0123456789abcdef0",
      account_id: "123456789012",
      ssh_public_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyExampleKeyExampleKey fleet",
    }]);
    const requests = await log();
    const puts = requests.filter((r) => r.method === "PUT");
    assertEquals(puts.length, 1, "one token, reused for every category");
    assertEquals(puts[0].path, "/latest/api/token");
    assertEquals(puts[0].ttl, "21600");
    const gets = requests.filter((r) => r.method === "GET");
    assertEquals(gets.length, 7);
    assert(gets.every((r) => r.token === "AQAEAJ-recorded-session-token=="));
  });
});

Deno.test("ec2_instance_metadata: without IMDSv2 the IMDSv1 fallback is used, unless disabled", async () => {
  await withMetadataService("absent", async (engine, log) => {
    const [row] = engine.query("SELECT instance_id, mac FROM ec2_instance_metadata");
    assertEquals(row, { instance_id: "i-0a1b2c3d4e5f60718", mac: "0a:1b:2c:3d:4e:5f" });
    assert((await log()).filter((r) => r.method === "GET").every((r) => r.token === null));
    flags.set("aws_disable_imdsv1_fallback", true);
    assertEquals(engine.query("SELECT * FROM ec2_instance_metadata"), []);
    assertEquals((await log()).filter((r) => r.method === "GET"), []);
  });
});

Deno.test("ec2_instance_metadata: an address that answers only with errors gives no row", async () => {
  await withMetadataService("denied", (engine) => {
    assertEquals(engine.query("SELECT * FROM ec2_instance_metadata"), []);
    assertEquals(engine.query("SELECT * FROM ec2_instance_tags"), []);
  });
});

Deno.test("ec2_instance_tags: DescribeTags signed with the instance profile's credentials", async () => {
  await withMetadataService("required", async (engine, log, port) => {
    flags.set("ec2_api_endpoint", `http://127.0.0.1:${port}`);
    assertEquals(engine.query("SELECT * FROM ec2_instance_tags ORDER BY key"), [
      { instance_id: "i-0a1b2c3d4e5f60718", key: "Name", value: "web-01" },
      { instance_id: "i-0a1b2c3d4e5f60718", key: "aws:autoscaling:groupName", value: "web & api <blue>" },
      { instance_id: "i-0a1b2c3d4e5f60718", key: "empty", value: "" },
    ]);
    const api = (await log()).find((r) => r.path.startsWith("/?"));
    assert(api, "the EC2 API was called");
    assertStringIncludes(api.path, "Action=DescribeTags");
    assertStringIncludes(api.path, "Filter.1.Value.1=i-0a1b2c3d4e5f60718");
    assertStringIncludes(api.path, "MaxResults=50");
    assertStringIncludes(String(api.authorization), "Credential=ASIAEXAMPLEROLEKEY01/");
    assertStringIncludes(String(api.authorization), "/eu-west-1/ec2/aws4_request");
    assertStringIncludes(String(api.authorization), "SignedHeaders=host;x-amz-date;x-amz-security-token");
    assertEquals(api.securityToken, "IQoJb3JpZ2luX2VjEXAMPLE//session==");
  });
});

Deno.test("ec2_instance_tags: without the EC2 API, the metadata service's tag category answers", async () => {
  await withMetadataService("required", (engine) => {
    flags.set("ec2_api_endpoint", "http://127.0.0.1:1");
    assertEquals(engine.query("SELECT * FROM ec2_instance_tags ORDER BY key"), [
      { instance_id: "i-0a1b2c3d4e5f60718", key: "Name", value: "web-01" },
      { instance_id: "i-0a1b2c3d4e5f60718", key: "cost center", value: "4711" },
      { instance_id: "i-0a1b2c3d4e5f60718", key: "team", value: "platform" },
    ]);
  });
});

Deno.test("aws: Signature Version 4 matches AWS's published test vectors", () => {
  const creds = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
  const base = {
    host: "example.amazonaws.com",
    path: "/",
    region: "us-east-1",
    service: "service",
    amzDate: "20150830T123600Z",
  };
  assertEquals(
    signGet({ ...base, query: {} }, creds).headers.Authorization,
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
  );
  const ordered = signGet({ ...base, query: { Param2: "value2", Param1: "value1" } }, creds);
  assertEquals(ordered.query, "Param1=value1&Param2=value2");
  assertStringIncludes(
    ordered.headers.Authorization,
    "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
  );
});

Deno.test("aws: DescribeTags XML with entities, empty values and no tag set", () => {
  assertEquals(parseDescribeTags("<r><tagSet><item><key>a&amp;b</key><value/></item></tagSet></r>"), [{
    key: "a&b",
    value: "",
  }]);
  assertEquals(parseDescribeTags("<r><tagSet/></r>"), []);
  assertEquals(parseDescribeTags("not xml"), []);
});

Deno.test("azure_instance_metadata: the compute document, asked for with Metadata: true", async () => {
  await withMetadataService("required", async (engine, log) => {
    assertEquals(engine.query("SELECT * FROM azure_instance_metadata"), [{
      location: "westeurope",
      name: "osq-vm-01",
      offer: "0001-com-ubuntu-server-jammy",
      publisher: "Canonical",
      sku: "22_04-lts-gen2",
      version: "22.04.202611010",
      os_type: "Linux",
      platform_update_domain: "0",
      platform_fault_domain: "0",
      vm_id: "02aab8a4-74ef-476e-8182-f6d2ba4166a6",
      vm_size: "Standard_D2s_v5",
      subscription_id: "8d10da13-8125-4ba9-a717-bf7490507b3d",
      resource_group_name: "osq-rg",
      placement_group_id: "",
      vm_scale_set_name: "",
      zone: "2",
    }]);
    const [request] = await log();
    assertEquals(request.path, "/metadata/instance/compute?api-version=2018-02-01");
    assertEquals(request.metadata, "true");
  });
});

Deno.test("azure_instance_tags: key:value pairs split at the first colon", async () => {
  await withMetadataService("required", (engine) => {
    assertEquals(engine.query("SELECT * FROM azure_instance_tags"), [
      { vm_id: "02aab8a4-74ef-476e-8182-f6d2ba4166a6", key: "env", value: "prod" },
      { vm_id: "02aab8a4-74ef-476e-8182-f6d2ba4166a6", key: "owner", value: "secops" },
      { vm_id: "02aab8a4-74ef-476e-8182-f6d2ba4166a6", key: "url", value: "https://example.test/a" },
    ]);
  });
});

Deno.test("azure: the service is only asked on a host that looks like Azure", async () => {
  const root = await Deno.makeTempDir();
  try {
    assertEquals(looksLikeAzure(fixtureHost(root)), false);
    await Deno.mkdir(`${root}/sys/class/dmi/id`, { recursive: true });
    await Deno.writeTextFile(`${root}/sys/class/dmi/id/chassis_asset_tag`, "7783-7084-3265-9085-8269-3286-77\n");
    assertEquals(looksLikeAzure(fixtureHost(root)), true);
    await Deno.remove(`${root}/sys`, { recursive: true });
    await Deno.mkdir(`${root}/var/log`, { recursive: true });
    await Deno.writeTextFile(`${root}/var/log/waagent.log`, "");
    assertEquals(looksLikeAzure(fixtureHost(root)), true);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("ycloud_instance_metadata: the recursive instance document, zone id, endpoint as asked", async () => {
  await withMetadataService("required", async (engine, log, port) => {
    const expected = {
      instance_id: "fhm1a2b3c4d5e6f7g8h9",
      folder_id: "b1gfolder0123456789a",
      cloud_id: "b1g0123456789abcdefg",
      name: "osq-node-1",
      description: "fleet node",
      hostname: "osq-node-1.ru-central1.internal",
      zone: "ru-central1-a",
      ssh_public_key: "osq:ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIYcloud osq",
      serial_port_enabled: "0",
      metadata_endpoint: `http://127.0.0.1:${port}`,
    };
    assertEquals(engine.query("SELECT * FROM ycloud_instance_metadata"), [expected]);
    const [request] = await log();
    assertEquals(request.flavor, "Google");
    assertEquals(request.path, "/computeMetadata/v1/instance/?alt=json&recursive=true");
    // An endpoint named in the query is asked instead; one that does not answer gives no row.
    flags.set("instance_metadata_authority", DEFAULT_METADATA_AUTHORITY);
    assertEquals(
      engine.query(
        `SELECT metadata_endpoint FROM ycloud_instance_metadata WHERE metadata_endpoint = 'http://127.0.0.1:${port}'`,
      ),
      [{ metadata_endpoint: `http://127.0.0.1:${port}` }],
    );
    assertEquals(
      engine.query("SELECT * FROM ycloud_instance_metadata WHERE metadata_endpoint = 'http://127.0.0.1:1'"),
      [],
    );
  });
});

Deno.test("ycloud: zone ids come from projects/<folder>/zones/<zone> only", () => {
  assertEquals(zoneId("projects/b1g/zones/ru-central1-b"), "ru-central1-b");
  assertEquals(zoneId("ru-central1-b"), "");
  assertEquals(zoneId("projects/b1g"), "");
});
