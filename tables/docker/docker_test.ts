import "./mod.ts";
import { Engine } from "../../core/engine.ts";
import { flags } from "../../core/flags/flags.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { withFakeUnixHttp } from "../../testing/fake_unix_http.ts";

const C1 = "c0ffee" + "1".repeat(58);
const IMG = "a1b2c3" + "4".repeat(58);

/** Starts the recorded-answers daemon on a fresh socket; the engine queries it synchronously. */
function withFakeDocker(
  fn: (engine: Engine, requests: () => Promise<string[]>, daemonPid: number) => void | Promise<void>,
): Promise<void> {
  const script = new URL("../../testdata/docker/fake_dockerd.ts", import.meta.url);
  return withFakeUnixHttp(
    { script, socketName: "docker.sock", socketFlag: "docker_socket" },
    (daemon) => fn(daemon.engine, daemon.requests, daemon.pid),
  );
}

Deno.test("docker: without a daemon every docker table returns zero rows", () => {
  flags.set("docker_socket", "/nonexistent/docker.sock");
  const engine = new Engine();
  for (
    const t of [
      "docker_version",
      "docker_info",
      "docker_containers",
      "docker_images",
      "docker_networks",
      "docker_volumes",
    ]
  ) {
    assertEquals(engine.query(`select * from ${t}`), [], t);
  }
  assertEquals(engine.query(`select * from docker_container_processes where id = '${C1}'`), []);
  engine.close();
  flags.set("docker_socket", "/var/run/docker.sock");
});

Deno.test("docker: version, info, images, layers, history, networks and volumes from recorded API answers", async () => {
  await withFakeDocker((e) => {
    assertEquals(e.query("select version, api_version, os, arch from docker_version"), [
      { version: "28.2.2", api_version: "1.50", os: "linux", arch: "amd64" },
    ]);
    const [info] = e.query(
      "select containers, containers_running, storage_driver, memory_limit, swap_limit, cpus, memory, os from docker_info",
    );
    assertEquals(info, {
      containers: 2,
      containers_running: 1,
      storage_driver: "overlay2",
      memory_limit: 1,
      swap_limit: 0,
      cpus: 2,
      memory: 25132523520,
      os: "Debian GNU/Linux 12 (bookworm)",
    });
    assertEquals(e.query("select id, size_bytes, tags from docker_images"), [
      { id: IMG, size_bytes: 191000000, tags: "nginx:1.27,nginx:latest" },
    ]);
    assertEquals(e.query("select layer_order, layer_id from docker_image_layers order by layer_order"), [
      { layer_order: 1, layer_id: "a".repeat(64) },
      { layer_order: 2, layer_id: "b".repeat(64) },
    ]);
    assertEquals(e.query("select size, tags, comment from docker_image_history order by created desc"), [
      { size: 0, tags: "nginx:1.27", comment: "" },
      { size: 52000000, tags: "", comment: "buildkit.dockerfile.v0" },
    ]);
    assertEquals(e.query("select key, value from docker_image_labels"), [
      { key: "maintainer", value: "NGINX Docker Maintainers" },
    ]);
    assertEquals(e.query("select name, driver, created, subnet, gateway from docker_networks order by name"), [
      { name: "bridge", driver: "bridge", created: 1759307400, subnet: "172.17.0.0/16", gateway: "172.17.0.1" },
      { name: "none", driver: "null", created: 1759307400, subnet: "", gateway: "" },
    ]);
    assertEquals(e.query("select key, value from docker_network_labels"), [{
      key: "com.example.net",
      value: "default",
    }]);
    assertEquals(e.query("select name, type from docker_volumes order by name"), [
      { name: "cache", type: "" },
      { name: "webdata", type: "tmpfs" },
    ]);
    assertEquals(e.query("select name, key, value from docker_volume_labels"), [
      { name: "webdata", key: "com.example.backup", value: "daily" },
    ]);
  });
});

Deno.test("docker: containers with inspect details, namespaces, envs, labels, mounts, networks and ports", async () => {
  await withFakeDocker((e, _requests, daemonPid) => {
    const rows = e.query(
      "select id, name, image_id, state, pid, privileged, readonly_rootfs, config_entrypoint, security_options, finished_at, pid_namespace from docker_containers order by name",
    );
    assertEquals(rows.length, 2);
    assertEquals(rows[0].name, "/batch");
    assertEquals(rows[0].finished_at, "2025-10-09T11:05:00Z");
    assertEquals(rows[0].readonly_rootfs, 1);
    assertEquals(rows[1], {
      id: C1,
      name: "/web",
      image_id: IMG,
      state: "running",
      pid: daemonPid,
      privileged: 1,
      readonly_rootfs: 0,
      config_entrypoint: "/docker-entrypoint.sh",
      security_options: "seccomp=unconfined, apparmor=docker-default",
      finished_at: "",
      // The recorded container's pid is the stand-in daemon's: its namespaces are real.
      pid_namespace: Deno.readLinkSync(`/proc/${daemonPid}/ns/pid`).replace(/\D/g, ""),
    });
    assertEquals(e.query(`select key, value from docker_container_envs where id = '${C1}' order by key`), [
      { key: "EMPTY", value: "" },
      { key: "NGINX_VERSION", value: "1.27.0" },
      { key: "PATH", value: "/usr/local/sbin:/usr/bin" },
    ]);
    assertEquals(e.query("select count(*) n from docker_container_labels where id = 'c0ffee'"), [{ n: 2 }]);
    assertEquals(e.query("select type, name, rw, propagation from docker_container_mounts order by type"), [
      { type: "bind", name: "", rw: 0, propagation: "rprivate" },
      { type: "volume", name: "webdata", rw: 1, propagation: "" },
    ]);
    assertEquals(e.query("select name, ip_address, ip_prefix_len, mac_address from docker_container_networks"), [
      { name: "bridge", ip_address: "172.17.0.2", ip_prefix_len: 16, mac_address: "02:42:ac:11:00:02" },
    ]);
    assertEquals(e.query("select port, host_ip, host_port from docker_container_ports order by port"), [
      { port: 80, host_ip: "0.0.0.0", host_port: 8080 },
      { port: 443, host_ip: "", host_port: 0 },
    ]);
  });
});

Deno.test("docker: an id prefix constraint becomes an API filter and is reported back as given", async () => {
  await withFakeDocker(async (e, requests) => {
    assertEquals(e.query("select id, name from docker_containers where id = 'deadbeef'"), [{
      id: "deadbeef",
      name: "/batch",
    }]);
    const filtered = (await requests()).find((r) => r.startsWith("GET /containers/json?"));
    assertEquals(filtered, "GET /containers/json?all=1&filters=%7B%22id%22%3A%7B%22deadbeef%22%3Atrue%7D%7D");
    // Values that cannot be ids never reach the API.
    assertEquals(e.query("select * from docker_container_processes where id = '../../etc'"), []);
    assert(!(await requests()).some((r) => r.includes("etc")));
  });
});

Deno.test("docker: processes, fs changes and stats need an id and skip malformed entries", async () => {
  await withFakeDocker((e) => {
    assertEquals(
      e.query(
        `select pid, uid, resident_size, total_size, threads, cpu, name, cmdline from docker_container_processes where id = '${C1}'`,
      ),
      [{
        pid: 4242,
        uid: 0,
        resident_size: 5120000,
        total_size: 11264000,
        threads: 1,
        cpu: 0.1,
        name: "nginx",
        cmdline: "nginx: master process nginx -g daemon off;",
      }],
    );
    assertEquals(e.query(`select path, change_type from docker_container_fs_changes where id = '${C1}'`), [
      { path: "/var/cache/nginx", change_type: "C" },
      { path: "/var/cache/nginx/client_temp", change_type: "A" },
      { path: "/etc/motd", change_type: "D" },
    ]);
    const [stats] = e.query(`select * from docker_container_stats where id = '${C1}'`);
    assertEquals(stats.pids, 3);
    assertEquals(stats.disk_read, 5120);
    assertEquals(stats.disk_write, 8192);
    assertEquals(stats.interval, 1_000_000_000 + 250000000);
    assertEquals(stats.network_rx_bytes, 1005);
    assertEquals(stats.network_tx_bytes, 2007);
    assertEquals(stats.memory_limit, 1073741824);
  });
});
