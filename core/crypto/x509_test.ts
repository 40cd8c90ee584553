import { assertEquals, assertThrows } from "../../testing/assert.ts";
import {
  CertificateFreedError,
  CertificateParseError,
  keyUsageText,
  NID,
  pemCertificates,
  X509Certificate,
} from "./x509.ts";
import { hex } from "./hex.ts";

const certs = new URL("../../testdata/network/certs/", import.meta.url).pathname;
const leafPem = Deno.readTextFileSync(`${certs}leaf.pem`);

Deno.test("x509: bytes after the certificate (a signature list's padding) are ignored and left out of der", () => {
  const [der] = pemCertificates(leafPem);
  const padded = new Uint8Array(der.length + 37);
  padded.set(der);
  using cert = X509Certificate.parse(padded);
  assertEquals(cert.der, der);
  assertEquals(cert.nameEntry("subject", NID.commonName), "leaf.example");
});

Deno.test("x509: PEM round-trips as PEM_write_bio_X509 writes it; names come in both OpenSSL forms", () => {
  const [der] = pemCertificates(leafPem);
  using cert = X509Certificate.parse(der);
  assertEquals(cert.pem(), leafPem);
  assertEquals(cert.nameOneline("issuer"), "/C=US/O=Osq Test, Inc./CN=Osq Test Root CA");
  assertEquals(cert.nameText("issuer"), 'C = US, O = "Osq Test, Inc.", CN = Osq Test Root CA');
  assertEquals(cert.nameEntry("issuer", NID.organizationalUnitName), undefined);
  assertEquals(cert.validityText("notBefore"), "Nov 23 20:28:05 2026 GMT");
});

Deno.test("x509: a freed certificate refuses further use; garbage is a CertificateParseError", () => {
  const [der] = pemCertificates(leafPem);
  const cert = X509Certificate.parse(der);
  cert.free();
  cert.free();
  assertThrows(() => cert.serialHex(), CertificateFreedError, "freed");
  assertThrows(() => X509Certificate.parse(new Uint8Array([0x30, 0x03, 1, 2, 3])), CertificateParseError);
});

Deno.test("x509: PEM splitting skips blocks with bad base64; key usage names follow osquery's order", () => {
  const bad = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
  assertEquals(pemCertificates(bad + leafPem + bad).length, 1);
  assertEquals(keyUsageText(0x04 | 0x02 | 0x80), "CRL Sign, Key Cert Sign, Digital Signature");
  assertEquals(keyUsageText(undefined), "");
  assertEquals(hex(new Uint8Array([0, 0xab, 0x1f]), ":"), "00:ab:1f");
});
