/**
 * curl_certificate: connects over TLS to each hostname the query names and reports the
 * certificate the server presents, with its fields rendered as OpenSSL prints them.
 *
 * @module
 */
import { defineTable, type Row, type TableSpec } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { type ChainResult, curlPeerChain, type CurlTimeouts } from "../../core/net/curl.ts";
import { hex, NID, pemCertificates, X509Certificate } from "../../core/crypto/x509.ts";

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

/** Options for {@linkcode curlCertificateTable}: the handshake function (tests may substitute one). */
export interface CurlCertificateOptions {
  chain?: (host: string, port: number, timeouts: CurlTimeouts) => ChainResult;
}

/** The curl_certificate table. */
export function curlCertificateTable(options: CurlCertificateOptions = {}): TableSpec {
  const chain = options.chain ?? curlPeerChain;
  const text = (name: string, description: string, extra: { collate?: "nocase" } = {}) => ({
    name,
    type: "TEXT" as const,
    description,
    ...extra,
  });
  return defineTable({
    name: "curl_certificate",
    description: "Connects over TLS to each hostname given and reports the certificate the server presents.",
    columns: [
      { name: "hostname", type: "TEXT", required: true, optimized: true, description: "host[:port] to connect to." },
      text("common_name", "The subject's common name."),
      text("organization", "The subject's organization."),
      text("organization_unit", "The subject's organizational unit."),
      text("serial_number", "The serial number, uppercase hex.", { collate: "nocase" }),
      text("issuer_common_name", "The issuer's common name."),
      text("issuer_organization", "The issuer's organization."),
      text("issuer_organization_unit", "The issuer's organizational unit."),
      text("valid_from", "Start of validity (e.g. 'Jan  1 00:00:00 2024 GMT')."),
      text("valid_to", "End of validity."),
      text("sha256_fingerprint", "SHA-256 of the DER certificate, hex.", { collate: "nocase" }),
      text("sha1_fingerprint", "SHA-1 of the DER certificate, hex.", { collate: "nocase" }),
      { name: "version", type: "INTEGER", description: "The X.509 version (1-3)." },
      text("signature_algorithm", "The signature algorithm's short name (e.g. RSA-SHA256)."),
      text("signature", "The signature bytes, colon-separated hex."),
      text("subject_key_identifier", "The subject key identifier.", { collate: "nocase" }),
      text("authority_key_identifier", "The authority key identifier.", { collate: "nocase" }),
      text("key_usage", "The key usage names."),
      text("extended_key_usage", "The extended key usage names."),
      text("policies", "The certificate policies."),
      text("subject_alternative_names", "The subject alternative names."),
      text("issuer_alternative_names", "The issuer alternative names."),
      text("info_access", "Authority information access (OCSP, CA issuers)."),
      text("subject_info_access", "Subject information access."),
      text("policy_mappings", "Policy mappings."),
      { name: "has_expired", type: "INTEGER", description: "1 when the certificate's validity has ended." },
      text("basic_constraint", "Basic constraints (CA flag, path length)."),
      text("name_constraints", "Name constraints."),
      text("policy_constraints", "Policy constraints."),
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
      text("pem", "The certificate as PEM, when dump_certificate = 1."),
    ],
    generate(ctx) {
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
        const result = chain(target.host, target.port, timeouts);
        if (!result.ok || result.pems.length === 0) continue;
        const [der] = pemCertificates(result.pems[0]);
        if (!der) continue;
        // a certificate we cannot parse gives no row, as a failed handshake does
        using cert = X509Certificate.tryParse(der);
        if (cert) rows.push(certificateRow(hostname, cert, dump, timeout));
      }
      return rows;
    },
  });
}

export default registerTable(curlCertificateTable());
