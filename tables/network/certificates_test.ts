import { assert, assertEquals, assertThrows } from "../../testing/assert.ts";
import certificates from "./certificates.ts";
import { CertificateParseError, pemCertificates, X509Certificate } from "../../core/crypto/x509.ts";
import { fixtureHost, tableEngine, testdata } from "../../testing/table_engine.ts";

const fixture = (...parts: string[]) => testdata("network", ...parts);
/** The fixture host's CA bundle (testdata/network/certs/bundle.pem), at Debian's path; the other default bundles are missing. */
const bundle = "/etc/ssl/certs/ca-certificates.crt";
const table = () => tableEngine([certificates], fixtureHost(fixture("host")));

Deno.test("certificates: every parseable certificate in the bundle; malformed PEM blocks are skipped", () => {
  const rows = table().query("select common_name, path from certificates");
  assertEquals(rows, [
    { common_name: "Osq Test Root CA", path: bundle },
    { common_name: "leaf.example", path: bundle },
    { common_name: "Version One", path: bundle },
  ]);
});

Deno.test("certificates: a root CA row matches OpenSSL's view of it", () => {
  const [root] = table().query("select * from certificates where common_name = 'Osq Test Root CA'");
  assertEquals(root, {
    common_name: "Osq Test Root CA",
    subject: "/C=US/O=Osq Test, Inc./CN=Osq Test Root CA",
    subject2: 'C = US, O = "Osq Test, Inc.", CN = Osq Test Root CA',
    issuer: "/C=US/O=Osq Test, Inc./CN=Osq Test Root CA",
    issuer2: 'C = US, O = "Osq Test, Inc.", CN = Osq Test Root CA',
    ca: 1,
    self_signed: 1,
    not_valid_before: "1795465674",
    not_valid_after: "4949065674",
    signing_algorithm: "ecdsa-with-SHA256",
    key_algorithm: "id-ecPublicKey",
    key_strength: "prime256v1",
    key_usage: "CRL Sign, Key Cert Sign",
    subject_key_id: "00cc3ee3cd6cfd8cc6deaab1b7b41aabe5399829",
    authority_key_id: "00cc3ee3cd6cfd8cc6deaab1b7b41aabe5399829",
    sha1: "6b1cb5d7327ca14c381e3090f918d26ffe99b7aa",
    path: bundle,
    serial: "01",
  });
});

Deno.test("certificates: a leaf is neither CA nor self-signed; UTF-8 names are escaped as OpenSSL does", () => {
  const [leaf] = table().query(
    "select subject, subject2, ca, self_signed, key_strength, key_usage, serial, sha1 from certificates where common_name = 'leaf.example'",
  );
  assertEquals(leaf, {
    subject: "/C=DE/L=M\\xC3\\xBCnchen/O=Leaf Org/OU=Web/CN=leaf.example",
    subject2: "C = DE, L = M\\C3\\BCnchen, O = Leaf Org, OU = Web, CN = leaf.example",
    ca: 0,
    self_signed: 0,
    key_strength: "2048",
    key_usage: "Key Encipherment, Digital Signature",
    serial: "ABCDEF1234",
    sha1: "c0be223bb4892680c13e58c02396fb019e09e287",
  });
});

Deno.test("certificates: a version-1 self-signed certificate counts as a CA root", () => {
  const [v1] = table().query(
    "select ca, self_signed, key_usage, serial from certificates where common_name = 'Version One'",
  );
  assertEquals(v1, { ca: 1, self_signed: 1, key_usage: "", serial: "07" });
});

Deno.test("certificates: path = reads exactly the named files, missing ones give nothing", () => {
  // A host root holding certs/ and no CA bundle at all: only the named files are read, under the root.
  const e = tableEngine([certificates], fixtureHost(fixture()));
  const leaf = "/certs/leaf.pem";
  assertEquals(e.query(`select common_name, path from certificates where path = '${leaf}'`), [
    { common_name: "leaf.example", path: leaf },
  ]);
  assertEquals(
    e.query(`select count(*) as n from certificates where path in ('${leaf}', '/certs/v1.pem')`),
    [
      { n: 2 },
    ],
  );
  assertEquals(e.query(`select * from certificates where path = '/certs/none.pem'`), []);
  assertEquals(e.query("select * from certificates"), []);
});

Deno.test("certificates: truncated DER throws a typed error that the table turns into a skipped row", () => {
  const [der] = pemCertificates(Deno.readTextFileSync(fixture("certs/ca.pem")));
  for (const cut of [0, 1, 10, 100, der.length - 1]) {
    assertThrows(() => X509Certificate.parse(der.subarray(0, cut)), CertificateParseError, "d2i_X509");
    assertEquals(X509Certificate.tryParse(der.subarray(0, cut)), undefined);
  }
  using whole = X509Certificate.parse(der);
  assertEquals(whole.der, der);
});

Deno.test("certificates: the live system bundle (when present) parses in full", () => {
  const rows = tableEngine([certificates]).query("select ca, sha1 from certificates");
  for (const r of rows) assert(String(r.sha1).length === 40);
});

Deno.test("certificates: a bundle rewritten between queries is read again (rows are kept only while it is unchanged)", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${dir}/etc/pki/tls/certs`, { recursive: true });
    const path = `${dir}/etc/pki/tls/certs/ca-bundle.crt`;
    Deno.writeTextFileSync(path, Deno.readTextFileSync(fixture("certs/leaf.pem")));
    const e = tableEngine([certificates], fixtureHost(dir));
    const names = () => e.query("select common_name from certificates").map((r) => r.common_name);
    assertEquals(names(), ["leaf.example"]);
    assertEquals(names(), ["leaf.example"]);
    Deno.writeTextFileSync(path, Deno.readTextFileSync(fixture("certs/v1.pem")));
    assertEquals(names(), ["Version One"]);
    Deno.removeSync(path);
    assertEquals(names(), []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
