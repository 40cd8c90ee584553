import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import curl, { curlRow, sanitizeHeaderValue } from "./curl.ts";
import curlCertificate, { parseHostname } from "./curl_certificate.ts";
import { curlGet } from "../../core/net/curl.ts";
import { tableEngine, testdata } from "../../testing/table_engine.ts";

/** Starts the loopback server worker; TLS when a cert/key pair is given. */
async function startServer(tls?: { cert: string; key: string }): Promise<{ port: number; stop: () => void }> {
  const worker = new Worker(new URL("./curl_server_test_helpers.ts", import.meta.url), { type: "module" });
  const port = await new Promise<number>((resolve) => {
    worker.onmessage = (e: MessageEvent<{ port: number }>) => resolve(e.data.port);
    worker.postMessage(tls ?? {});
  });
  return { port, stop: () => worker.terminate() };
}

/** A throwaway self-signed certificate for 127.0.0.1, made with the openssl CLI. */
async function selfSigned(): Promise<{ cert: string; key: string }> {
  const dir = await Deno.makeTempDir();
  try {
    const out = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        `${dir}/key.pem`,
        "-out",
        `${dir}/cert.pem`,
        "-days",
        "2",
        "-subj",
        "/O=Osq Tests/OU=Loopback/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert(out.success, new TextDecoder().decode(out.stderr));
    return { cert: await Deno.readTextFile(`${dir}/cert.pem`), key: await Deno.readTextFile(`${dir}/key.pem`) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("curl: GET over loopback reports status, body, byte count and a round-trip time", async () => {
  const server = await startServer();
  try {
    const e = tableEngine([curl]);
    const base = `http://127.0.0.1:${server.port}`;
    const [row] = e.query(`select * from curl where url = '${base}/'`);
    assertEquals(row.url, `${base}/`);
    assertEquals(row.method, "GET");
    assertEquals(row.user_agent, "osquery");
    assertEquals(row.response_code, 200);
    assertEquals(row.result, "hello from osq");
    assertEquals(row.bytes, 14);
    assert(typeof row.round_trip_time === "number" && row.round_trip_time > 0);
    const [utf8] = e.query(`select bytes, result from curl where url = '${base}/utf8'`);
    assertEquals(utf8, { bytes: 11, result: "grüße ✓" });
  } finally {
    server.stop();
  }
});

Deno.test("curl: user_agent is sent (CR/LF removed), redirects are followed, 404 is a status", async () => {
  const server = await startServer();
  try {
    const e = tableEngine([curl]);
    const base = `http://127.0.0.1:${server.port}`;
    const [ua] = e.query(`select result, user_agent from curl where url = '${base}/ua' and user_agent = 'osq-test/1'`);
    assertEquals(ua, { result: "osq-test/1", user_agent: "osq-test/1" });
    assertEquals(sanitizeHeaderValue("a\r\nX-Evil: 1"), "aX-Evil: 1");
    const [redirect] = e.query(`select response_code, result from curl where url = '${base}/redirect'`);
    assertEquals(redirect, { response_code: 200, result: "hello from osq" });
    const [missing] = e.query(`select response_code, result from curl where url = '${base}/missing'`);
    assertEquals(missing, { response_code: 404, result: "nope" });
  } finally {
    server.stop();
  }
});

Deno.test("curl: each URL of an IN list is fetched once", async () => {
  const server = await startServer();
  try {
    const e = tableEngine([curl]);
    const base = `http://127.0.0.1:${server.port}`;
    const rows = e.query(`select url from curl where url in ('${base}/count', '${base}/count', '${base}/')`);
    assertEquals(rows.length, 2);
    const [hits] = e.query(`select result from curl where url = '${base}/hits'`);
    assertEquals(hits.result, "1");
  } finally {
    server.stop();
  }
});

Deno.test("curl: failures keep the request columns and leave response_code NULL and result empty; timeouts bound a slow server", async () => {
  const server = await startServer();
  try {
    const e = tableEngine([curl]);
    // The table's own timeouts (5 s connect, 15 s total) outlast the 3 s server: a shorter one shows the bound.
    const url = `http://127.0.0.1:${server.port}/slow`;
    const slow = curlRow(url, "osquery", curlGet(url, "osquery", { connectMs: 1_000, totalMs: 1_000 }));
    assertEquals(slow, { url, method: "GET", user_agent: "osquery" });
    const [refused] = e.query("select response_code, bytes from curl where url = 'http://127.0.0.1:1/'");
    assertEquals(refused, { response_code: null, bytes: null });
    const [scheme] = e.query("select response_code from curl where url = 'file:///etc/hostname'");
    assertEquals(scheme.response_code, null);
  } finally {
    server.stop();
  }
});

Deno.test("curl: url is required; an IN list of user agents asks once per agent", async () => {
  const server = await startServer();
  try {
    const e = tableEngine([curl]);
    assertThrows(() => e.query("select * from curl"), Error, "required column");
    const rows = e.query(
      `select user_agent, result from curl where url = 'http://127.0.0.1:${server.port}/ua' and user_agent in ('a', 'b')`,
    );
    assertEquals(rows.map((r) => [r.user_agent, r.result]).sort(), [["a", "a"], ["b", "b"]]);
  } finally {
    server.stop();
  }
});

Deno.test("curl: https with a certificate the host does not trust fails verification (no row data)", async () => {
  const server = await startServer(await selfSigned());
  try {
    const e = tableEngine([curl]);
    const [row] = e.query(`select response_code from curl where url = 'https://127.0.0.1:${server.port}/'`);
    assertEquals(row.response_code, null);
  } finally {
    server.stop();
  }
});

Deno.test("curl_certificate: the loopback TLS server's certificate, with PEM on request", async () => {
  const tls = await selfSigned();
  const server = await startServer(tls);
  try {
    const e = tableEngine([curlCertificate]);
    const host = `127.0.0.1:${server.port}`;
    const [row] = e.query(`select * from curl_certificate where hostname = '${host}'`);
    assertEquals(row.hostname, host);
    assertEquals(row.common_name, "localhost");
    assertEquals(row.organization, "Osq Tests");
    assertEquals(row.organization_unit, "Loopback");
    assertEquals(row.issuer_common_name, "localhost");
    assertEquals(row.version, 3);
    assertEquals(row.signature_algorithm, "RSA-SHA256");
    assertEquals(row.subject_alternative_names, "DNS:localhost, IP Address:127.0.0.1");
    assertEquals(row.basic_constraint, "CA:TRUE");
    assertEquals(row.has_expired, 0);
    assertEquals(row.pem, "");
    assert(/^[0-9a-f]{64}$/.test(String(row.sha256_fingerprint)));
    assert(/^[A-Z][a-z]{2} [ 1-3][0-9] \d\d:\d\d:\d\d \d{4} GMT$/.test(String(row.valid_from)));
    const [dumped] = e.query(
      `select pem, dump_certificate, timeout from curl_certificate where hostname = '${host}' and dump_certificate = 1`,
    );
    assertEquals(dumped.pem, tls.cert);
    assertEquals([dumped.dump_certificate, dumped.timeout], [1, 4]);
  } finally {
    server.stop();
  }
});

Deno.test("curl_certificate: unreachable or malformed hostnames give no row", () => {
  const e = tableEngine([curlCertificate]);
  assertEquals(e.query("select * from curl_certificate where hostname = '127.0.0.1:1' and timeout = 1"), []);
  assertEquals(e.query("select * from curl_certificate where hostname = 'bad host:99999'"), []);
});

Deno.test("curl_certificate: host[:port] parsing, with bracketed IPv6", () => {
  assertEquals(parseHostname("osquery.io"), { host: "osquery.io", port: 443 });
  assertEquals(parseHostname("osquery.io:"), { host: "osquery.io", port: 443 });
  assertEquals(parseHostname("127.0.0.1:8443"), { host: "127.0.0.1", port: 8443 });
  assertEquals(parseHostname("[::1]:8443"), { host: "::1", port: 8443 });
  assertEquals(parseHostname("host:http"), undefined);
  assertEquals(parseHostname(":443"), undefined);
  assertEquals(parseHostname("a:70000"), undefined);
});

Deno.test("curl_certificate: a fixture leaf renders every column as OpenSSL prints it", async () => {
  const { certificateRow } = await import("./curl_certificate.ts");
  const { pemCertificates, X509Certificate } = await import("../../core/crypto/x509.ts");
  const fixture = (path: string) => testdata("network", path);
  const [der] = pemCertificates(Deno.readTextFileSync(fixture("certs/leaf.pem")));
  using cert = X509Certificate.parse(der);
  const row = certificateRow("leaf.example:443", cert, false, 4, new Date("2030-01-01T00:00:00Z"));
  assertEquals({ ...row, signature: undefined }, {
    hostname: "leaf.example:443",
    common_name: "leaf.example",
    organization: "Leaf Org",
    organization_unit: "Web",
    serial_number: "ABCDEF1234",
    issuer_common_name: "Osq Test Root CA",
    issuer_organization: "Osq Test, Inc.",
    issuer_organization_unit: undefined,
    valid_from: "Nov 23 20:28:05 2026 GMT",
    valid_to: "Oct 30 20:28:05 2126 GMT",
    sha256_fingerprint: "42375a2939f79e37183468f94f0a0e6bfa2ec7065076bd8fc5784d75875a665d",
    sha1_fingerprint: "c0be223bb4892680c13e58c02396fb019e09e287",
    version: 3,
    signature_algorithm: "ecdsa-with-SHA256",
    signature: undefined,
    subject_key_identifier: "E8:6D:78:76:1F:63:3D:A5:5F:B4:06:20:AA:11:89:00:C1:A3:74:7C",
    authority_key_identifier: "00:CC:3E:E3:CD:6C:FD:8C:C6:DE:AA:B1:B7:B4:1A:AB:E5:39:98:29",
    key_usage: "Digital Signature, Key Encipherment",
    extended_key_usage: "TLS Web Server Authentication, TLS Web Client Authentication",
    policies: "Policy: 2.23.140.1.2.1",
    subject_alternative_names:
      "DNS:leaf.example, DNS:www.leaf.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
    issuer_alternative_names: "",
    info_access: "OCSP - URI:http://ocsp.example/;CA Issuers - URI:http://ca.example/ca.crt",
    subject_info_access: "",
    policy_mappings: "",
    has_expired: 0,
    basic_constraint: "CA:FALSE",
    name_constraints: "",
    policy_constraints: "",
    dump_certificate: 0,
    timeout: 4,
  });
  assert(/^([0-9a-f]{2}:)+[0-9a-f]{2}$/.test(String(row.signature)));
  const later = certificateRow("x", cert, true, 0, new Date("2200-01-01T00:00:00Z"));
  assertEquals([later.has_expired, later.dump_certificate, later.timeout], [1, 1, 0]);
  assertEquals(later.pem, Deno.readTextFileSync(fixture("certs/leaf.pem")));
});
