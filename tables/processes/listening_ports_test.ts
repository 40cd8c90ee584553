import dgram from "node:dgram";
import listeningPorts from "./listening_ports.ts";
import { assert, assertEquals } from "../../testing/assert.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

const engine = tableEngine([listeningPorts]);

Deno.test("listening_ports: a TCP listener we open shows with our pid", () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const rows = engine.query("SELECT * FROM listening_ports WHERE port = ? AND protocol = 6", [port]);
  assertEquals(rows.length, 1);
  assertEquals([rows[0].pid, rows[0].family, rows[0].address, rows[0].path], [Deno.pid, 2, "127.0.0.1", ""]);
  assert(Number(rows[0].fd) >= 0 && Number(rows[0].socket) > 0);
});

Deno.test("listening_ports: a bound UDP socket shows with protocol 17", async () => {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  try {
    const port = socket.address().port;
    const rows = engine.query(
      "SELECT pid, family, protocol, address FROM listening_ports WHERE port = ? AND protocol = 17",
      [port],
    );
    assertEquals(rows, [{ pid: Deno.pid, family: 2, protocol: 17, address: "127.0.0.1" }]);
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
});

Deno.test("listening_ports: connected sockets are not listening", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepted = listener.accept();
  using client = await Deno.connect({ hostname: "127.0.0.1", port });
  using _server = await accepted;
  const clientPort = (client.localAddr as Deno.NetAddr).port;
  // Other test files may run in this process too: keep to TCP so a UDP port of the same number cannot match.
  assertEquals(engine.query("SELECT * FROM listening_ports WHERE port = ? AND protocol = 6", [clientPort]), []);
  assertEquals(engine.query("SELECT pid FROM listening_ports WHERE port = ? AND protocol = 6", [port]), [
    { pid: Deno.pid },
  ]);
});

Deno.test("listening_ports: a named unix socket shows with port 0 and its path", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/osq-listen.sock`;
  try {
    using _listener = Deno.listen({ transport: "unix", path });
    const rows = engine.query("SELECT pid, port, family, socket, address, path FROM listening_ports WHERE path = ?", [
      path,
    ]);
    assertEquals(rows, [{ pid: Deno.pid, port: 0, family: 1, socket: 0, address: "", path }]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("listening_ports: fixture selection keeps listeners, bound datagram, raw and packet sockets", () => {
  const rows = tableEngine([listeningPorts], fixtureHost(testdata("processes"))).query("SELECT * FROM listening_ports");
  const summary = rows.map((r) => `${r.family}/${r.protocol} ${r.address || r.path}:${r.port} pid ${r.pid}`);
  assertEquals(summary, [
    "2/6 127.0.0.1:8080 pid 1",
    "2/6 127.0.0.1:80 pid -1",
    "10/6 :::22 pid 1",
    "10/6 ::1:631 pid -1",
    "10/6 fe80::5054:ff:fe1d:adb6:546 pid -1",
    "2/17 127.0.0.53:53 pid 1",
    "2/255 0.0.0.0:1 pid -1",
    "1/0 /run/dbus/system_bus_socket:0 pid -1",
    "1/0 /tmp/path with spaces.sock:0 pid -1",
    "1/0 @abstract:0 pid -1",
    "17/3 :0 pid -1",
  ]);
});
