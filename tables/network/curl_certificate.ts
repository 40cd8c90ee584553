/**
 * `curl_certificate`: connects over TLS to each hostname the query names and reports the
 * certificate the server presents, with its fields rendered as OpenSSL prints them.
 *
 * @module
 */
import { defineTable, type QueryContext, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { curlPeerChain } from "../../core/net/curl.ts";
import { NID, pemCertificates, X509Certificate } from "../../core/crypto/x509.ts";
import { hex } from "../../core/crypto/hex.ts";

export default registerTable(defineTable({
  name: "curl_certificate",
  description: "Connects over TLS to each hostname given and reports the certificate the server presents.",
  columns: [
    { name: "hostname", type: "TEXT", required: true, optimized: true, description: "host[:port] to connect to." },
    { name: "common_name", type: "TEXT", description: "The subject's common name." },
    { name: "organization", type: "TEXT", description: "The subject's organization." },
    { name: "organization_unit", type: "TEXT", description: "The subject's organizational unit." },
    { name: "serial_number", type: "TEXT", collate: "nocase", description: "The serial number, uppercase hex." },
    { name: "issuer_common_name", type: "TEXT", description: "The issuer's common name." },
    { name: "issuer_organization", type: "TEXT", description: "The issuer's organization." },
    { name: "issuer_organization_unit", type: "TEXT", description: "The issuer's organizational unit." },
    { name: "valid_from", type: "TEXT", description: "Start of validity (e.g. 'Jan  1 00:00:00 2024 GMT')." },
    { name: "valid_to", type: "TEXT", description: "End of validity." },
    {
      name: "sha256_fingerprint",
      type: "TEXT",
      collate: "nocase",
      description: "SHA-256 of the DER certificate, hex.",
    },
    { name: "sha1_fingerprint", type: "TEXT", collate: "nocase", description: "SHA-1 of the DER certificate, hex." },
    { name: "version", type: "INTEGER", description: "The X.509 version (1-3)." },
    {
      name: "signature_algorithm",
      type: "TEXT",
      description: "The signature algorithm's short name (e.g. RSA-SHA256).",
    },
    { name: "signature", type: "TEXT", description: "The signature bytes, colon-separated hex." },
    {
      name: "subject_key_identifier",
      type: "TEXT",
      collate: "nocase",
      description: "The subject key identifier.",
    },
    {
      name: "authority_key_identifier",
      type: "TEXT",
      collate: "nocase",
      description: "The authority key identifier.",
    },
    { name: "key_usage", type: "TEXT", description: "The key usage names." },
    { name: "extended_key_usage", type: "TEXT", description: "The extended key usage names." },
    { name: "policies", type: "TEXT", description: "The certificate policies." },
    { name: "subject_alternative_names", type: "TEXT", description: "The subject alternative names." },
    { name: "issuer_alternative_names", type: "TEXT", description: "The issuer alternative names." },
    { name: "info_access", type: "TEXT", description: "Authority information access (OCSP, CA issuers)." },
    { name: "subject_info_access", type: "TEXT", description: "Subject information access." },
    { name: "policy_mappings", type: "TEXT", description: "Policy mappings." },
    { name: "has_expired", type: "INTEGER", description: "1 when the certificate's validity has ended." },
    { name: "basic_constraint", type: "TEXT", description: "Basic constraints (CA flag, path length)." },
    { name: "name_constraints", type: "TEXT", description: "Name constraints." },
    { name: "policy_constraints", type: "TEXT", description: "Policy constraints." },
    {
      name: "dump_certificate",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Set to 1 to fill pem.",
    },
    {
      name: "timeout",
      type: "INTEGER",
      additional: true,
      hidden: true,
      linuxHidden: true,
      description: "Handshake timeout in seconds (default 4; 0 means the 60 s ceiling).",
    },
    { name: "pem", type: "TEXT", description: "The certificate as PEM, when dump_certificate = 1." },
  ],
  generate(ctx) {
    return certificateRows(ctx);
  },
}));

/** osquery's default handshake timeout, in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 4;
/** The longest a handshake may take when the query asks for no timeout (0). */
export const MAX_TIMEOUT_SECONDS = 60;

/** Splits `host[:port]` (or `[v6]:port`); the port defaults to 443. Undefined when malformed. */
export function parseHostname(hostname: string): { host: string; port: number } | undefined {
  let host = hostname, portText = "";
  const bracketed = /^\[([^\]]+)\](?::(\d*))?$/.exec(hostname);
  if (bracketed) (host = bracketed[1]), (portText = bracketed[2] ?? "");
  else {
    const colon = hostname.indexOf(":");
    if (colon >= 0) (host = hostname.slice(0, colon)), (portText = hostname.slice(colon + 1));
  }
  if (host.length === 0 || /[\s/?#@]/.test(host)) return undefined;
  if (portText === "") return { host, port: 443 };
  if (!/^\d+$/.test(portText)) return undefined;
  const port = Number(portText);
  return port > 0 && port < 65536 ? { host, port } : undefined;
}

/** The row for one certificate, with osquery's column formats (libcrypto's output). */
export function certificateRow(
  hostname: string,
  cert: X509Certificate,
  dump: boolean,
  timeout: number,
  now = new Date(),
): Row {
  const signatureAlgorithm = cert.signatureShortName();
  const notAfter = cert.validity("notAfter");
  const row: Row = {
    hostname,
    common_name: cert.nameEntry("subject", NID.commonName),
    organization: cert.nameEntry("subject", NID.organizationName),
    organization_unit: cert.nameEntry("subject", NID.organizationalUnitName),
    serial_number: cert.serialHex(),
    issuer_common_name: cert.nameEntry("issuer", NID.commonName),
    issuer_organization: cert.nameEntry("issuer", NID.organizationName),
    issuer_organization_unit: cert.nameEntry("issuer", NID.organizationalUnitName),
    valid_from: cert.validityText("notBefore"),
    valid_to: cert.validityText("notAfter"),
    sha256_fingerprint: cert.digest("sha256"),
    sha1_fingerprint: cert.digest("sha1"),
    version: cert.version,
    signature_algorithm: signatureAlgorithm ?? "UNDEF",
    signature: signatureAlgorithm ? hex(cert.signature(), ":") : "",
    subject_key_identifier: cert.extensionText(NID.subjectKeyIdentifier),
    authority_key_identifier: cert.extensionText(NID.authorityKeyIdentifier),
    key_usage: cert.extensionText(NID.keyUsage),
    extended_key_usage: cert.extensionText(NID.extKeyUsage),
    policies: cert.extensionText(NID.certificatePolicies),
    subject_alternative_names: cert.extensionText(NID.subjectAltName),
    issuer_alternative_names: cert.extensionText(NID.issuerAltName),
    info_access: cert.extensionText(NID.infoAccess),
    subject_info_access: cert.extensionText(NID.sinfoAccess),
    policy_mappings: cert.extensionText(NID.policyMappings),
    has_expired: notAfter === undefined || notAfter * 1000 <= now.getTime() ? 1 : 0,
    basic_constraint: cert.extensionText(NID.basicConstraints),
    name_constraints: cert.extensionText(NID.nameConstraints),
    policy_constraints: cert.extensionText(NID.policyConstraints),
    dump_certificate: dump ? 1 : 0,
    timeout,
  };
  if (dump) row.pem = cert.pem();
  return row;
}

/** One row per hostname the query names whose server completes a handshake with a parseable certificate. */
function certificateRows(ctx: QueryContext): Row[] {
  const dump = ctx.integerEquals("dump_certificate").includes(1);
  let timeout = DEFAULT_TIMEOUT_SECONDS;
  const asked = ctx.equals("timeout")[0];
  if (asked !== undefined && /^-?\d+$/.test(asked.trim()) && Number(asked) >= 0) timeout = Number(asked);
  const seconds = timeout === 0 ? MAX_TIMEOUT_SECONDS : Math.min(timeout, MAX_TIMEOUT_SECONDS);
  const timeouts = { connectMs: seconds * 1000, totalMs: seconds * 1000 };
  const rows: Row[] = [];
  for (const hostname of ctx.equals("hostname")) {
    const target = parseHostname(hostname);
    if (!target) continue;
    const result = curlPeerChain(target.host, target.port, timeouts);
    if (!result.ok || result.pems.length === 0) continue;
    const [der] = pemCertificates(result.pems[0]);
    if (!der) continue;
    // a certificate we cannot parse gives no row, as a failed handshake does
    using cert = X509Certificate.tryParse(der);
    if (cert) rows.push(certificateRow(hostname, cert, dump, timeout));
  }
  return rows;
}
