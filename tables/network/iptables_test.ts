import { assert, assertEquals } from "../../testing/assert.ts";
import iptables, { iptablesRows, loadedTablesRows, parseIptInfo } from "./iptables.ts";
import { fixtureFilterTable } from "./iptables_test_helpers.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

const fixture = (name: string) => testdata("network", "iptables", name);
const info = parseIptInfo(Deno.readFileSync(fixture("filter.info")))!;
const blob = Deno.readFileSync(fixture("filter.entries"));
const read = (name: string) => (name === "filter" ? { info, blob } : undefined);
const names = Deno.readTextFileSync(testdata("network", "host", "proc", "net", "ip_tables_names"));
/**
 * The iptables spec over a recorded kernel answer: the rules are getsockopt(2) replies, not files,
 * so the fixture stands in for the kernel rather than for a host root.
 */
const table = () => tableEngine([{ ...iptables, generate: () => loadedTablesRows(names, read) }]);

Deno.test("iptables: the committed binary fixture is what the builder makes", () => {
  const built = fixtureFilterTable();
  assertEquals(built.info, Deno.readFileSync(fixture("filter.info")));
  assertEquals(built.blob, blob);
});

Deno.test("iptables: chains in libiptc order, rules before each chain's own row", () => {
  const rows = table().query("select chain, target, policy from iptables");
  assertEquals(rows, [
    { chain: "INPUT", target: "ACCEPT", policy: "DROP" },
    { chain: "INPUT", target: "ACCEPT", policy: "DROP" },
    { chain: "INPUT", target: "LOG", policy: "DROP" },
    { chain: "INPUT", target: "osq-chain", policy: "DROP" },
    { chain: "INPUT", target: "", policy: "DROP" },
    { chain: "FORWARD", target: "", policy: "ACCEPT" },
    { chain: "OUTPUT", target: "REJECT", policy: "ACCEPT" },
    { chain: "OUTPUT", target: "", policy: "ACCEPT" },
    { chain: "a-first", target: "", policy: "" },
    { chain: "osq-chain", target: "RETURN", policy: "" },
    { chain: "osq-chain", target: "", policy: "" },
    { chain: "osq-chain", target: "", policy: "" },
  ]);
});

Deno.test("iptables: addresses, masks, interfaces, inversions and tcp/udp ports decode as iptables shows them", () => {
  const rows = table().query("select * from iptables where chain = 'INPUT'");
  assertEquals(rows[1], {
    filter_name: "filter",
    chain: "INPUT",
    policy: "DROP",
    target: "ACCEPT",
    protocol: 6,
    src_port: "0:65535",
    dst_port: "22:22",
    src_ip: "10.0.0.0",
    src_mask: "255.0.0.0",
    iniface: "all",
    iniface_mask: "",
    dst_ip: "0.0.0.0",
    dst_mask: "0.0.0.0",
    outiface: "all",
    outiface_mask: "",
    match: "yes",
    packets: 7,
    bytes: 700,
  });
  assertEquals([rows[0].iniface, rows[0].iniface_mask, rows[0].match, rows[0].packets], ["lo", "FFFFFF", "no", 5]);
  assertEquals([rows[2].iniface, rows[2].src_port, rows[2].dst_port], ["!eth0", "53:53", "0:65535"]);
  assertEquals([rows[4].packets, rows[4].bytes, rows[4].target], [10, 1000, ""]);
  const [out] = table().query("select dst_ip, dst_mask, outiface, outiface_mask from iptables where target = 'REJECT'");
  assertEquals(out, {
    dst_ip: "!192.0.2.1",
    dst_mask: "255.255.255.255",
    outiface: "!wlan",
    outiface_mask: "FFFFFFFF",
  });
  // An inverted protocol ("!6", as osquery renders it) is not an integer: NULL in the INTEGER column.
  const [ret] = table().query("select protocol from iptables where target = 'RETURN'");
  assertEquals(ret.protocol, null);
});

Deno.test("iptables: a truncated or corrupt blob yields only what parses, never an exception", () => {
  for (const cut of [0, 50, 112, 500, 1000, blob.length - 1]) {
    const rows = iptablesRows("filter", info, blob.subarray(0, cut));
    assert(Array.isArray(rows));
  }
  const corrupt = blob.slice();
  new DataView(corrupt.buffer).setUint16(90, 3, true); // first entry's next_offset is nonsense
  assertEquals(iptablesRows("filter", info, corrupt), []);
  assertEquals(parseIptInfo(new Uint8Array(10)), undefined);
});

Deno.test("iptables: no ip_tables_names file (module not loaded) gives no rows; live host does not throw", () => {
  const none = tableEngine([iptables], fixtureHost(testdata("network", "missing")));
  assertEquals(none.query("select * from iptables"), []);
  const live = tableEngine([iptables]).query("select filter_name, chain from iptables");
  for (const r of live) assert(typeof r.chain === "string");
});

const capsh = (() => {
  try {
    return new Deno.Command("capsh", { args: ["--help"], stdout: "null", stderr: "null" }).outputSync().success &&
      Deno.uid() === 0;
  } catch {
    return false;
  }
})();
if (!capsh) console.warn("iptables_test: the privilege test needs root and capsh (apt-get install libcap2-bin)");

Deno.test({
  name: "iptables: without CAP_NET_ADMIN/CAP_NET_RAW the kernel read fails saying which capability is missing",
  ignore: !capsh,
  async fn() {
    const module = new URL("./iptables.ts", import.meta.url).pathname;
    const code = `import { readKernelTable } from ${JSON.stringify(module)};
      try { readKernelTable("filter"); console.log("no error"); } catch (e) { console.log(e.name + ": " + e.message); }`;
    const out = await new Deno.Command("capsh", {
      args: ["--drop=cap_net_admin,cap_net_raw", "--", "-c", `exec "$0" eval --no-lock "$1"`, Deno.execPath(), code],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert(
      text.startsWith("TableError: ") && text.includes("CAP_NET_ADMIN"),
      text + new TextDecoder().decode(out.stderr),
    );
  },
});
