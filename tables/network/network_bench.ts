/**
 * Side-by-side figures for the network tables against the native tools doing the same work:
 * interface_addresses vs `ip -o addr`, routes vs `ip route show table all`, etc_services vs
 * `getent services`, certificates (the whole CA bundle) vs `openssl storeutl -noout -certs`, and
 * a loopback curl GET vs the curl CLI. The native tools pay a process spawn per run, which is
 * what osqueryd's users would otherwise pay for these answers. Run:
 * `deno bench -A tables/network/network_bench.ts`.
 *
 * @module
 */
import { Engine } from "../../core/engine.ts";
import "./mod.ts";

const engine = new Engine();

function has(cmd: string, ...args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

function run(cmd: string, args: string[]): void {
  const out = new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).outputSync();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed`);
}

const bundle = "/etc/ssl/certs/ca-certificates.crt";
const haveBundle = (() => {
  try {
    return Deno.statSync(bundle).isFile;
  } catch {
    return false;
  }
})();

Deno.bench({ name: "interface_addresses: osq", group: "addresses", baseline: true, n: 200 }, () => {
  engine.query("select * from interface_addresses");
});
Deno.bench({ name: "interface_addresses: ip -o addr", group: "addresses", n: 200, ignore: !has("ip", "-V") }, () => {
  run("ip", ["-o", "addr"]);
});

Deno.bench({ name: "routes: osq", group: "routes", baseline: true, n: 200 }, () => {
  engine.query("select * from routes");
});
Deno.bench({ name: "routes: ip route show table all", group: "routes", n: 200, ignore: !has("ip", "-V") }, () => {
  run("ip", ["route", "show", "table", "all"]);
});

Deno.bench({ name: "etc_services: osq", group: "services", baseline: true, n: 200 }, () => {
  engine.query("select * from etc_services");
});
Deno.bench({ name: "etc_services: getent services", group: "services", n: 200 }, () => {
  run("getent", ["services"]);
});

Deno.bench(
  { name: "certificates: osq (CA bundle)", group: "certs", baseline: true, n: 30, ignore: !haveBundle },
  () => {
    engine.query("select * from certificates");
  },
);
Deno.bench(
  {
    name: "certificates: openssl storeutl -certs",
    group: "certs",
    n: 30,
    ignore: !haveBundle || !has("openssl", "version"),
  },
  () => run("openssl", ["storeutl", "-noout", "-text", "-certs", bundle]),
);
