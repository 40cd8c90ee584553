/**
 * The daemon against a TLS server, end to end: `./osq daemon` with osquery's remote flags
 * enrolls, takes its config from the server, ships results and status logs, answers live
 * (distributed) queries, and uploads a carve a live query requested.
 */
import { daemonTest } from "../../testing/test_daemon.ts";
import { FakeServer, serverFlags } from "../../testing/fake_tls_server.ts";
import { assert, assertEquals } from "../../testing/assert.ts";

daemonTest(
  "daemon remote: enrolls, takes the TLS config, ships results, answers live queries, uploads a carve",
  async (d) => {
    Deno.writeTextFileSync(`${d.dir}/secret`, "s3cret\n");
    let reads = 0;
    const server = new FakeServer({
      "/config": () => ({
        schedule: { hosts_file: { query: "select path from file where path = '/etc/hosts'", interval: 1 } },
      }),
      "/log": () => ({ node_invalid: false }),
      "/distributed/read": () =>
        reads++ === 0
          ? {
            queries: {
              count_processes: "select count(*) > 0 as some from processes",
              broken: "select * from no_such_table",
              carve_hosts: "select carve, status from carves where path = '/etc/hosts' and carve = 1",
            },
          }
          : { queries: {} },
      "/distributed/write": () => ({ node_invalid: false }),
      "/carve/start": () => ({ session_id: "session-1" }),
      "/carve/continue": () => ({ success: true }),
    });
    try {
      const flags = Object.entries({
        ...serverFlags(server),
        enroll_secret_path: `${d.dir}/secret`,
        config_plugin: "tls",
        logger_plugin: "tls",
        logger_tls_period: "1",
        disable_distributed: "false",
        distributed_interval: "1",
        disable_carver: "false",
        carver_start_endpoint: "/carve/start",
        carver_continue_endpoint: "/carve/continue",
        carver_block_size: "2048",
      }).map(([k, v]) => `--${k}=${v}`);
      d.start(flags);
      await d.waitFor("enrollment", () => server.to("/enroll").length > 0);
      const enroll = server.to("/enroll")[0];
      assertEquals(enroll.body.enroll_secret, "s3cret");
      assertEquals(enroll.body.platform_type, "9");
      // The extension manager is up before enrollment, as osqueryd's.
      const details = enroll.body.host_details as Record<string, Record<string, string>>;
      assertEquals(details.osquery_info.extensions, "active");
      assertEquals(enroll.headers.get("user-agent")?.startsWith("osquery/"), true);
      const nodeKey = "node-key-1";

      await d.waitFor("the config request", () => server.to("/config").length > 0);
      assertEquals(server.to("/config")[0].body.node_key, nodeKey);

      const resultLines = () =>
        server.to("/log").filter((r) => r.body.log_type === "result").flatMap((r) =>
          r.body.data as Record<string, unknown>[]
        );
      await d.waitFor("a result of the TLS config's query", () => resultLines().some((l) => l.name === "hosts_file"));
      const line = resultLines().find((l) => l.name === "hosts_file")!;
      assertEquals((line.columns as Record<string, string>).path, "/etc/hosts");
      await d.waitFor("status logs", () => server.to("/log").some((r) => r.body.log_type === "status"));

      await d.waitFor("the live queries' results", () => server.to("/distributed/write").length > 0);
      const write = server.to("/distributed/write")[0].body;
      const queries = write.queries as Record<string, Record<string, string>[]>;
      const statuses = write.statuses as Record<string, number>;
      assertEquals(queries.count_processes, [{ some: "1" }]);
      assertEquals(statuses.count_processes, 0);
      assert(statuses.broken !== 0, `broken query status ${statuses.broken}`);
      assertEquals(queries.carve_hosts, [{ carve: "1", status: "SCHEDULED" }]);

      await d.waitFor("the carve's blocks", () => {
        const start = server.to("/carve/start")[0]?.body;
        return start !== undefined && server.to("/carve/continue").length === Number(start.block_count);
      });
      const start = server.to("/carve/start")[0].body;
      assertEquals(start.block_size, 2048);
      const blocks = server.to("/carve/continue").sort((a, b) => Number(a.body.block_id) - Number(b.body.block_id));
      const bytes = blocks.flatMap((b) => [...Uint8Array.from(atob(String(b.body.data)), (c) => c.charCodeAt(0))]);
      assertEquals(bytes.length, start.carve_size);
      const tar = `${d.dir}/carve.tar`;
      Deno.writeFileSync(tar, new Uint8Array(bytes));
      Deno.mkdirSync(`${d.dir}/x`);
      const untar = await new Deno.Command("tar", { args: ["-xf", tar], cwd: `${d.dir}/x` }).output();
      assert(untar.success);
      assertEquals(Deno.readTextFileSync(`${d.dir}/x/etc/hosts`), Deno.readTextFileSync("/etc/hosts"));
      assertEquals(await d.stop(), 0);
    } finally {
      await server.close();
    }
  },
);
