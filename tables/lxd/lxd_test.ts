import "./mod.ts";
import { Engine } from "../../core/engine.ts";
import { flags } from "../../core/flags/flags.ts";
import { assert, assertEquals, assertStringIncludes } from "../../testing/assert.ts";
import { withFakeUnixHttp } from "../../testing/fake_unix_http.ts";

const IMG = "6a2d9b4e1f0c5e3a7b8d9c0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c";
const DEFAULT_SOCKET = "/var/lib/lxd/unix.socket";

/** Starts the recorded-answers LXD daemon on a fresh socket; the engine queries it synchronously. */
function withFakeLxd(fn: (engine: Engine, requests: () => Promise<string[]>) => void | Promise<void>): Promise<void> {
  const script = new URL("../../testdata/lxd/fake_lxd.ts", import.meta.url);
  return withFakeUnixHttp(
    { script, socketName: "unix.socket", socketFlag: "lxd_socket" },
    (daemon) => fn(daemon.engine, daemon.requests),
  );
}

const ALL = [
  "lxd_certificates",
  "lxd_cluster",
  "lxd_cluster_members",
  "lxd_images",
  "lxd_instances",
  "lxd_networks",
  "lxd_storage_pools",
];

Deno.test("lxd: --lxd_socket defaults to osquery's /var/lib/lxd/unix.socket", () => {
  assertEquals(flags.string("lxd_socket"), DEFAULT_SOCKET);
});

Deno.test("lxd: without a daemon every lxd table returns zero rows", () => {
  flags.set("lxd_socket", "/nonexistent/lxd/unix.socket");
  const engine = new Engine();
  try {
    for (const t of ALL) assertEquals(engine.query(`SELECT * FROM ${t}`), [], t);
    assertEquals(engine.query("SELECT * FROM lxd_instance_config WHERE name = 'web1'"), []);
    assertEquals(engine.query("SELECT * FROM lxd_instance_devices WHERE name = 'web1'"), []);
  } finally {
    engine.close();
    flags.set("lxd_socket", DEFAULT_SOCKET);
  }
});

Deno.test("lxd: instance_config and instance_devices require a name", () => {
  const engine = new Engine();
  try {
    for (const t of ["lxd_instance_config", "lxd_instance_devices"]) {
      let message = "";
      try {
        engine.query(`SELECT * FROM ${t}`);
      } catch (err) {
        message = (err as Error).message;
      }
      assertStringIncludes(message, "without a required column");
    }
  } finally {
    engine.close();
  }
});

Deno.test("lxd_instances: each instance joins its image metadata and state; unparseable ones are skipped", async () => {
  await withFakeLxd(async (engine, requests) => {
    const rows = engine.query("SELECT * FROM lxd_instances ORDER BY name");
    assertEquals(rows, [
      {
        name: "db1",
        status: "Stopped",
        stateful: 1,
        ephemeral: 1,
        created_at: "2026-10-02T10:00:00Z",
        base_image: "ffee0011",
        architecture: "",
        os: "",
        description: "",
        pid: 0,
        processes: 0,
      },
      {
        name: "web1",
        status: "Running",
        stateful: 0,
        ephemeral: 0,
        created_at: "2026-10-01T09:12:44.510012345Z",
        base_image: IMG,
        architecture: "amd64",
        os: "ubuntu",
        description: "Ubuntu jammy amd64 (20260930_07:42)",
        pid: 4242,
        processes: 17,
      },
    ]);
    const seen = await requests();
    assert(seen.includes("GET /1.0/containers"), seen.join("\n"));
    assert(seen.includes("GET /1.0/containers/web1/state"), seen.join("\n"));
  });
});

Deno.test("lxd_instances: name = 'web1' asks for that instance only", async () => {
  await withFakeLxd(async (engine, requests) => {
    const rows = engine.query("SELECT name, pid FROM lxd_instances WHERE name = 'web1'");
    assertEquals(rows, [{ name: "web1", pid: 4242 }]);
    const seen = await requests();
    assert(!seen.includes("GET /1.0/containers"), "listed all instances for an equality lookup");
    assertEquals(engine.query("SELECT name FROM lxd_instances WHERE name = 'ghost'"), []);
  });
});

Deno.test("lxd_instance_config: one row per config key of the named instance", async () => {
  await withFakeLxd((engine) => {
    const rows = engine.query("SELECT * FROM lxd_instance_config WHERE name = 'web1' ORDER BY key");
    assertEquals(rows.map((r) => r.key), [
      "image.os",
      "image.release",
      "limits.memory",
      "security.nesting",
      "volatile.base_image",
    ]);
    assertEquals(rows[2], { name: "web1", key: "limits.memory", value: "2GiB" });
    const both = engine.query("SELECT DISTINCT name FROM lxd_instance_config WHERE name IN ('web1', 'db1') ORDER BY 1");
    assertEquals(both, [{ name: "db1" }, { name: "web1" }]);
  });
});

Deno.test("lxd_instance_devices: expanded devices, one row per setting, type as device_type", async () => {
  await withFakeLxd((engine) => {
    const rows = engine.query("SELECT * FROM lxd_instance_devices WHERE name = 'web1' ORDER BY device, key");
    assertEquals(rows, [
      { name: "web1", device: "eth0", device_type: "nic", key: "name", value: "eth0" },
      { name: "web1", device: "eth0", device_type: "nic", key: "network", value: "lxdbr0" },
      { name: "web1", device: "root", device_type: "disk", key: "path", value: "/" },
      { name: "web1", device: "root", device_type: "disk", key: "pool", value: "default" },
    ]);
  });
});

Deno.test("lxd_images: properties, aliases joined by commas, update source; id lookup goes to LXD", async () => {
  await withFakeLxd(async (engine, requests) => {
    const rows = engine.query("SELECT * FROM lxd_images ORDER BY id");
    assertEquals(rows.length, 2);
    assertEquals(rows[1], {
      id: IMG,
      architecture: "x86_64",
      os: "ubuntu",
      release: "jammy",
      description: "ubuntu 22.04 LTS amd64 (release) (20260930)",
      aliases: "jammy,ubuntu/22.04",
      filename: "ubuntu-22.04-server-cloudimg-amd64-lxd.tar.xz",
      size: 5368709121234,
      auto_update: 1,
      cached: 1,
      public: 0,
      created_at: "2026-09-30T00:00:00Z",
      expires_at: "2027-04-21T00:00:00Z",
      uploaded_at: "2026-10-01T09:12:30.071548Z",
      last_used_at: "2026-10-01T09:12:44.480339Z",
      update_source_server: "https://cloud-images.ubuntu.com/releases",
      update_source_protocol: "simplestreams",
      update_source_certificate: "",
      update_source_alias: "22.04",
    });
    // A local image has no update source: the row stays, with empty source columns.
    assertEquals(rows[0].update_source_server, "");
    assertEquals(rows[0].aliases, "");
    assertEquals(rows[0].public, 1);
    // The id constraint is passed as given (LXD resolves fingerprint prefixes) and reported as given.
    assertEquals(engine.query("SELECT id, os FROM lxd_images WHERE id = '0bad'"), [{ id: "0bad", os: "alpine" }]);
    assert((await requests()).includes("GET /1.0/images/0bad"));
  });
});

Deno.test("lxd_certificates: trusted client certificates", async () => {
  await withFakeLxd((engine) => {
    const rows = engine.query("SELECT * FROM lxd_certificates");
    assertEquals(rows.length, 1);
    assertEquals(rows[0].name, "admin-laptop");
    assertEquals(rows[0].type, "client");
    assertEquals(rows[0].fingerprint, "1c8f3e2a9b7d6c5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e");
    assertStringIncludes(String(rows[0].certificate), "BEGIN CERTIFICATE");
    // fingerprint compares without case
    assertEquals(
      engine.query(
        "SELECT count(*) AS n FROM lxd_certificates WHERE fingerprint = '1C8F3E2A9B7D6C5E4F3A2B1C0D9E8F7A6B5C4D3E2F1A0B9C8D7E6F5A4B3C2D1E'",
      ),
      [{ n: 1 }],
    );
  });
});

Deno.test("lxd_networks: config addresses, users by instance name, state counters beyond 2^53", async () => {
  await withFakeLxd((engine) => {
    const rows = engine.query("SELECT * FROM lxd_networks ORDER BY name");
    assertEquals(rows[1], {
      name: "lxdbr0",
      type: "bridge",
      managed: 1,
      ipv4_address: "10.181.55.1/24",
      ipv6_address: "fd42:4c81:5770:1eaf::1/64",
      used_by: "web1,db1,/1.0/profiles/default",
      bytes_received: 250685,
      bytes_sent: 9007199254740993n,
      packets_received: 1748,
      packets_sent: 3072,
      hwaddr: "00:16:3e:5a:b1:c2",
      state: "up",
      mtu: 1500,
    });
    // No state endpoint for eth0: the network is still listed, its state counters NULL (text ones "").
    assertEquals(rows[0].name, "eth0");
    assertEquals(rows[0].managed, 0);
    assertEquals(rows[0].used_by, "");
    assertEquals(rows[0].mtu, null);
    assertEquals(rows[0].hwaddr, "");
  });
});

Deno.test("lxd_cluster: one row per member config entry", async () => {
  await withFakeLxd((engine) => {
    const rows = engine.query("SELECT * FROM lxd_cluster");
    assertEquals(rows, [
      {
        server_name: "node1",
        enabled: 1,
        member_config_entity: "storage-pool",
        member_config_name: "local",
        member_config_key: "source",
        member_config_value: "",
        member_config_description: '"source" property for storage pool "local"',
      },
      {
        server_name: "node1",
        enabled: 1,
        member_config_entity: "network",
        member_config_name: "lxdbr0",
        member_config_key: "bridge.external_interfaces",
        member_config_value: "",
        member_config_description: '"bridge.external_interfaces" property for network "lxdbr0"',
      },
    ]);
  });
});

Deno.test("lxd_cluster_members: each member's url, database role and status", async () => {
  await withFakeLxd((engine) => {
    assertEquals(engine.query("SELECT * FROM lxd_cluster_members ORDER BY server_name"), [
      {
        server_name: "node1",
        url: "https://10.0.3.11:8443",
        database: 1,
        status: "Online",
        message: "Fully operational",
      },
      {
        server_name: "node2",
        url: "https://10.0.3.12:8443",
        database: 0,
        status: "Offline",
        message: "No heartbeat for 43s",
      },
    ]);
  });
});

Deno.test("lxd_storage_pools: config source and size, resources when LXD reports them", async () => {
  await withFakeLxd((engine) => {
    assertEquals(engine.query("SELECT * FROM lxd_storage_pools ORDER BY name"), [
      {
        name: "default",
        driver: "dir",
        source: "/var/lib/lxd/storage-pools/default",
        size: "",
        space_used: 7398420480,
        space_total: 105088212992,
        inodes_used: 412233,
        inodes_total: 6553600,
      },
      {
        name: "fast",
        driver: "zfs",
        source: "fastpool",
        size: "30GiB",
        space_used: null,
        space_total: null,
        inodes_used: null,
        inodes_total: null,
      },
    ]);
  });
});

Deno.test("lxd: an answer that is not JSON is treated as no answer", async () => {
  const { lxdMetadata } = await import("./_lib.ts");
  await withFakeLxd(() => {
    assertEquals(lxdMetadata("/garbage"), undefined);
    assertEquals(lxdMetadata("/1.0/nope"), undefined);
    assertEquals(lxdMetadata("/1.0/networks"), ["/1.0/networks/lxdbr0", "/1.0/networks/eth0"]);
  });
});
