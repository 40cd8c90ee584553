import processOpenSockets from "./process_open_sockets.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

const engine = tableEngine([processOpenSockets]);

Deno.test("process_open_sockets: a listener and a connection we open show with our pid", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepted = listener.accept();
  using client = await Deno.connect({ hostname: "127.0.0.1", port });
  using server = await accepted;
  const rows = engine.query(
    "SELECT * FROM process_open_sockets WHERE pid = ? AND protocol = 6 AND (local_port = ? OR remote_port = ?)",
    [
      Deno.pid,
      port,
      port,
    ],
  );
  const listening = rows.filter((r) => r.state === "LISTEN");
  assertEquals(listening.length, 1);
  assertEquals([listening[0].family, listening[0].protocol, listening[0].local_address], [2, 6, "127.0.0.1"]);
  assertEquals(listening[0].remote_port, 0);
  assert(Number(listening[0].fd) >= 0 && Number(listening[0].socket) > 0);
  const established = rows.filter((r) => r.state === "ESTABLISHED");
  assertEquals(established.length, 2); // client and accepted ends
  assert(established.some((r) => r.remote_port === port && r.local_port === (client.localAddr as Deno.NetAddr).port));
  assert(established.some((r) => r.local_port === port && r.remote_port === (server.remoteAddr as Deno.NetAddr).port));
  assertEquals(new Set(rows.map((r) => r.net_namespace)).size, 1);
});

Deno.test("process_open_sockets: pid = N only lists that process's sockets; no pid lists all", () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const mine = engine.query("SELECT pid FROM process_open_sockets WHERE pid = ?", [Deno.pid]);
  assert(mine.length > 0 && mine.every((r) => r.pid === Deno.pid));
  const all = engine.query("SELECT pid, local_port FROM process_open_sockets");
  assert(all.some((r) => r.pid === Deno.pid && r.local_port === port));
  assertEquals(engine.query("SELECT * FROM process_open_sockets WHERE pid = 2147483646"), []);
});

Deno.test("process_open_sockets: unix sockets carry their path", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/osq.sock`;
  try {
    using _listener = Deno.listen({ transport: "unix", path });
    const rows = engine.query(
      "SELECT family, protocol, path, pid FROM process_open_sockets WHERE pid = ? AND path = ?",
      [
        Deno.pid,
        path,
      ],
    );
    assertEquals(rows, [{ family: 1, protocol: 0, path, pid: Deno.pid }]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("process_open_sockets: fixture sockets with holders, -1 for unheld ones, and pid filtering", () => {
  const fixture = tableEngine([processOpenSockets], fixtureHost(testdata("processes")));
  const all = fixture.query("SELECT * FROM process_open_sockets");
  assertEquals(all.length, 14);
  assertEquals(all.find((r) => r.socket === 7010), {
    pid: 1,
    fd: 5,
    socket: 7010,
    family: 10,
    protocol: 6,
    local_address: "::",
    remote_address: "::",
    local_port: 22,
    remote_port: 0,
    path: "",
    state: "LISTEN",
    net_namespace: "4026531992",
  });
  assertEquals(all.filter((r) => r.pid === -1).length, 10);
  const byPid = (pid: number) => fixture.query("SELECT * FROM process_open_sockets WHERE pid = ?", [pid]);
  assertEquals(byPid(1).map((r) => r.socket).sort(), [7001, 7003, 7010]);
  // pid = -1 makes the generator list every socket (osquery's "no process"); SQLite keeps the unheld ones.
  assertEquals(byPid(-1).length, 10);
});
