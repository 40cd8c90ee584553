import { assert, assertEquals } from "../../testing/assert.ts";
import dnsResolvers, { inetAton, parseResolvConf, RES_DEFAULT_OPTIONS } from "./dns_resolvers.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

const OPTIONS = RES_DEFAULT_OPTIONS | 0x4000 | 0x100000 | 0x400000; // + rotate, edns0, single-request-reopen

Deno.test("dns_resolvers: name servers (max 3, invalid skipped), sort list, last search line, option bits", () => {
  // The fixture host is host.example (its /proc/sys/kernel/hostname); resolv.conf names a search list.
  const e = tableEngine([dnsResolvers], fixtureHost(testdata("network", "host")));
  assertEquals(e.query("select * from dns_resolvers"), [
    { id: 0, type: "nameserver", address: "10.0.0.53", netmask: "32", options: OPTIONS },
    { id: 1, type: "nameserver", address: "2001:db8::53", netmask: "32", options: OPTIONS },
    { id: 2, type: "nameserver", address: "127.0.0.1", netmask: "32", options: OPTIONS },
    { id: 0, type: "sortlist", address: "130.155.160.0", netmask: "20", options: OPTIONS },
    { id: 1, type: "sortlist", address: "130.155.0.0", netmask: "16", options: OPTIONS },
    { id: 2, type: "sortlist", address: "10.0.0.0", netmask: "8", options: OPTIONS },
    { id: 0, type: "search", address: "corp.example", netmask: "", options: OPTIONS },
    { id: 1, type: "search", address: "eng.example", netmask: "", options: OPTIONS },
    { id: 2, type: "search", address: "lab.example", netmask: "", options: OPTIONS },
  ]);
});

Deno.test("dns_resolvers: no name server means 127.0.0.1; no search list means the host name's domain", () => {
  const config = parseResolvConf(
    Deno.readTextFileSync(testdata("network", "empty", "etc", "resolv.conf")),
    "box.dc1.example",
  );
  assertEquals(config, {
    nameservers: ["127.0.0.1"],
    sortlist: [],
    search: ["dc1.example"],
    options: RES_DEFAULT_OPTIONS,
  });
  assertEquals(parseResolvConf("", "plainhost").search, []);
  const empty = tableEngine([dnsResolvers], fixtureHost(testdata("network", "empty")));
  assertEquals(empty.query("select type, address from dns_resolvers"), [
    { type: "nameserver", address: "127.0.0.1" },
    { type: "search", address: "dc1.example" },
  ]);
  const missing = tableEngine([dnsResolvers], fixtureHost(testdata("network", "missing")));
  assertEquals(missing.query("select address, options from dns_resolvers"), [{ address: "127.0.0.1", options: 705 }]);
});

Deno.test("dns_resolvers: the last of domain/search wins; search keeps at most six names", () => {
  assertEquals(parseResolvConf("search a b\ndomain only.example extra\n").search, ["only.example"]);
  assertEquals(parseResolvConf("domain d\nsearch 1 2 3 4 5 6 7 8\n").search, ["1", "2", "3", "4", "5", "6"]);
  assertEquals(parseResolvConf("options no-tld-query use-vc trust-ad no-aaaa no-reload\n").options, 0x0f0002c9);
});

Deno.test("dns_resolvers: inet_aton shorthand and radixes", () => {
  assertEquals(inetAton("127.1"), new Uint8Array([127, 0, 0, 1]));
  assertEquals(inetAton("0x7f.0.0.01"), new Uint8Array([127, 0, 0, 1]));
  assertEquals(inetAton("10.256.0.1"), undefined);
  assertEquals(inetAton("1.2.3.4.5"), undefined);
  assertEquals(inetAton("08.1.1.1"), undefined);
});

Deno.test("dns_resolvers: the live resolv.conf yields at least one name server", () => {
  const rows = tableEngine([dnsResolvers]).query("select address from dns_resolvers where type = 'nameserver'");
  assert(rows.length >= 1 && rows.length <= 3);
});

Deno.test("dns_resolvers: pid_with_namespace = N reads resolv.conf through /proc/N/root", () => {
  const e = tableEngine([dnsResolvers]);
  const rows = e.query(`select address, pid_with_namespace from dns_resolvers where pid_with_namespace = ${Deno.pid}`);
  assert(rows.length >= 1);
  for (const r of rows) assertEquals(r.pid_with_namespace, Deno.pid);
  assertEquals(e.query("select * from dns_resolvers where pid_with_namespace = 999999999"), []);
});
