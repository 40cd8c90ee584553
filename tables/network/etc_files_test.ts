import { assert, assertEquals } from "../../testing/assert.ts";
import etcHosts, { parseEtcHosts } from "./etc_hosts.ts";
import etcProtocols from "./etc_protocols.ts";
import etcServices from "./etc_services.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

/** A host whose /etc holds the fixture hosts, protocols and services files. */
const fixture = fixtureHost(testdata("network", "host"));

Deno.test("etc_hosts: address lines become rows, names stop at a comment, malformed lines are skipped", () => {
  const e = tableEngine([etcHosts], fixture);
  assertEquals(e.query("select address, hostnames from etc_hosts"), [
    { address: "127.0.0.1", hostnames: "localhost localhost.localdomain" },
    { address: "::1", hostnames: "ip6-localhost ip6-loopback" },
    { address: "fe80::1%lo0", hostnames: "link-local" },
    { address: "10.0.0.5", hostnames: "db.internal db" },
    { address: "192.168.1.1", hostnames: "" },
    { address: "192.0.2.7", hostnames: "tabbed names" },
  ]);
});

Deno.test("etc_hosts: a line with an address alone is a row with empty hostnames, as osquery reports it", () => {
  // testdata/network/host/etc/hosts has "192.168.1.1" on a line of its own.
  const e = tableEngine([etcHosts], fixture);
  assertEquals(e.query("select hostnames from etc_hosts where address = '192.168.1.1'"), [{ hostnames: "" }]);
  assertEquals(parseEtcHosts("10.3.3.3\n10.3.3.4 # only a comment\n"), [
    { address: "10.3.3.3", hostnames: "", pid_with_namespace: 0 },
    { address: "10.3.3.4", hostnames: "", pid_with_namespace: 0 },
  ]);
});

Deno.test("etc_hosts: answers to its alias hosts and hides pid_with_namespace", () => {
  const e = tableEngine([etcHosts], fixture);
  assertEquals(e.query("select count(*) as n from hosts"), [{ n: 6 }]);
  assertEquals(Object.keys(e.query("select * from etc_hosts limit 1")[0]), ["address", "hostnames"]);
});

Deno.test("etc_hosts: a missing file gives no rows; binary garbage gives no rows", () => {
  assertEquals(
    tableEngine([etcHosts], fixtureHost(testdata("network", "missing"))).query("select * from etc_hosts"),
    [],
  );
  assertEquals(parseEtcHosts("\u0000\u0001\uffff garbage\n\n\t\n"), []);
});

Deno.test("etc_hosts: the live /etc/hosts parses (every row has an address, hostnames is text)", () => {
  const rows = tableEngine([etcHosts]).query("select address, hostnames from etc_hosts");
  for (const r of rows) assert(String(r.address).length > 0 && typeof r.hostnames === "string");
});

Deno.test("etc_protocols: name, number, first alias and joined comment parts; malformed lines skipped", () => {
  const e = tableEngine([etcProtocols], fixture);
  assertEquals(e.query("select * from etc_protocols"), [
    { name: "ip", number: 0, alias: "IP", comment: "internet protocol, pseudo protocol number" },
    { name: "tcp", number: 6, alias: "TCP", comment: "transmission control protocol" },
    { name: "udp", number: 17, alias: "UDP", comment: "" },
    { name: "ipv6-icmp", number: 58, alias: "IPv6-ICMP", comment: "ICMP for IPv6 # with a second part" },
  ]);
});

Deno.test("etc_protocols: the live /etc/protocols has tcp = 6", () => {
  const rows = tableEngine([etcProtocols]).query("select number from etc_protocols where name = 'tcp'");
  assertEquals(rows, [{ number: 6 }]);
});

Deno.test("etc_services: port/protocol split, aliases joined, comments kept; malformed lines skipped", () => {
  const e = tableEngine([etcServices], fixture);
  assertEquals(e.query("select * from etc_services"), [
    { name: "tcpmux", port: 1, protocol: "tcp", aliases: "", comment: "TCP port service multiplexer" },
    { name: "ssh", port: 22, protocol: "tcp", aliases: "", comment: "SSH Remote Login Protocol" },
    { name: "domain", port: 53, protocol: "udp", aliases: "", comment: "" },
    { name: "smtp", port: 25, protocol: "tcp", aliases: "mail", comment: "" },
    {
      name: "kerberos",
      port: 88,
      protocol: "tcp",
      aliases: "kerberos5 krb5 kerberos-sec",
      comment: "Kerberos v5 # part two",
    },
  ]);
});

Deno.test("etc_services: the live /etc/services has ssh on 22/tcp", () => {
  const rows = tableEngine([etcServices]).query(
    "select port from etc_services where name = 'ssh' and protocol = 'tcp'",
  );
  assertEquals(rows, [{ port: 22 }]);
});

Deno.test("etc_hosts: pid_with_namespace = N reads the file through /proc/N/root and tags the rows", () => {
  const e = tableEngine([etcHosts]);
  const own = e.query(
    `select address, hostnames, pid_with_namespace from etc_hosts where pid_with_namespace = ${Deno.pid}`,
  );
  const direct = parseEtcHosts(Deno.readTextFileSync("/etc/hosts"), Deno.pid);
  assertEquals(own, direct);
  assertEquals(e.query("select * from etc_hosts where pid_with_namespace = 999999999"), []);
});
