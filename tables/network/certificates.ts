/**
 * `certificates`: the certificate authorities in the system's CA bundle (or in PEM files named by
 * `path`), with their names, validity, algorithms, key usage and identifiers.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import { isFile } from "../../core/host/files.ts";
import { keyUsageText, NID, pemCertificates, X509Certificate } from "../../core/crypto/x509.ts";
import { hex } from "../../core/crypto/hex.ts";

export default registerTable(defineTable({
  name: "certificates",
  description: "Certificate authorities in the system CA bundle (or the PEM files given as path), parsed from X.509.",
  attributes: { cacheable: true },
  columns: [
    { name: "common_name", type: "TEXT", description: "The subject's common name." },
    { name: "subject", type: "TEXT", description: "The subject in /-separated form (deprecated: use subject2)." },
    { name: "subject2", type: "TEXT", description: "The subject in 'CN = x, O = y' form." },
    { name: "issuer", type: "TEXT", description: "The issuer in /-separated form (deprecated: use issuer2)." },
    { name: "issuer2", type: "TEXT", description: "The issuer in 'CN = x, O = y' form." },
    { name: "ca", type: "INTEGER", description: "1 when the certificate may act as an authority." },
    { name: "self_signed", type: "INTEGER", description: "1 when the certificate issued itself." },
    { name: "not_valid_before", type: "DATETIME", description: "Start of validity, Unix seconds." },
    { name: "not_valid_after", type: "DATETIME", description: "End of validity, Unix seconds." },
    {
      name: "signing_algorithm",
      type: "TEXT",
      description: "The signature algorithm (e.g. sha256WithRSAEncryption).",
    },
    { name: "key_algorithm", type: "TEXT", description: "The public key algorithm (e.g. rsaEncryption)." },
    { name: "key_strength", type: "TEXT", description: "RSA/DSA key size in bits, or the EC curve name." },
    { name: "key_usage", type: "TEXT", description: "The keyUsage bits by name." },
    { name: "subject_key_id", type: "TEXT", collate: "nocase", description: "The subject key identifier, hex." },
    { name: "authority_key_id", type: "TEXT", collate: "nocase", description: "The authority key identifier, hex." },
    { name: "sha1", type: "TEXT", collate: "nocase", description: "SHA-1 of the DER certificate, hex." },
    { name: "path", type: "TEXT", additional: true, optimized: true, description: "The bundle file it came from." },
    { name: "serial", type: "TEXT", collate: "nocase", description: "The serial number, uppercase hex." },
    { name: "sid", type: "TEXT", linuxHidden: true, description: "Windows: the owning account's SID." },
    { name: "store_location", type: "TEXT", linuxHidden: true, description: "Windows: the store's location." },
    { name: "store", type: "TEXT", linuxHidden: true, description: "Windows: the certificate store's name." },
    { name: "username", type: "TEXT", linuxHidden: true, description: "Windows: the owning user's name." },
    { name: "store_id", type: "TEXT", linuxHidden: true, description: "Windows: the store's identifier." },
  ],
  generate(ctx) {
    const requested = ctx.equals("path");
    const paths = requested.length > 0 ? requested : DEFAULT_BUNDLES.filter((p) => isFile(ctx.host.path(p)));
    return paths.flatMap((path) => bundleRows(path, ctx.host.path(path)));
  },
}));

/** The CA bundles osquery reads on Linux, in order; missing ones are skipped. */
export const DEFAULT_BUNDLES = [
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/certs/ca-certificates.crt",
  "/var/lib/ca-certificates/ca-bundle.pem",
];

/** The certificates row for one certificate found in `path`, with osquery's (libcrypto's) formats. */
export function certificateRow(cert: X509Certificate, path: string): Row {
  const skid = cert.subjectKeyId();
  const akid = cert.authorityKeyId();
  return {
    common_name: cert.nameEntry("subject", NID.commonName) ?? "",
    subject: cert.nameOneline("subject"),
    subject2: cert.nameText("subject"),
    issuer: cert.nameOneline("issuer"),
    issuer2: cert.nameText("issuer"),
    ca: cert.isCa() ? 1 : 0,
    self_signed: cert.isSelfSigned() ? 1 : 0,
    not_valid_before: cert.validity("notBefore") ?? null,
    not_valid_after: cert.validity("notAfter") ?? null,
    signing_algorithm: cert.signatureLongName() ?? "",
    key_algorithm: cert.keyAlgorithm() ?? "",
    key_strength: cert.keyStrength() ?? "",
    key_usage: keyUsageText(cert.keyUsage()),
    subject_key_id: skid ? hex(skid) : "",
    authority_key_id: akid ? hex(akid) : "",
    sha1: cert.digest("sha1"),
    path,
    serial: cert.serialHex(),
  };
}

/** How many bundle files' rows are kept between queries. */
const CACHED_BUNDLES = 16;
/** Rows of recently read bundles, by path, with the file identity they were read from. */
const bundleCache = new Map<string, { identity: string; rows: Row[] }>();

/** What changes when a file is replaced or rewritten: device, inode, size, change and modification times. */
function fileIdentity(info: Deno.FileInfo): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtime?.getTime()}:${info.ctime?.getTime()}`;
}

/**
 * Rows for every parseable certificate in the PEM file `path` of the host, read at `file` (the
 * same path under the host's root); malformed certificates are skipped. The rows of the last few files read are kept while the file is unchanged: libcrypto
 * 3.0's d2i_X509 decodes each public key through its provider machinery (~1 ms a certificate),
 * so a CA bundle costs far more to parse than to stat.
 */
export function bundleRows(path: string, file = path): Row[] {
  let bytes: Uint8Array;
  let identity: string;
  try {
    identity = fileIdentity(Deno.statSync(file));
    const cached = bundleCache.get(file);
    if (cached?.identity === identity) return cached.rows.map((row) => ({ ...row, path }));
    bytes = Deno.readFileSync(file);
  } catch {
    return [];
  }
  const rows: Row[] = [];
  for (const der of pemCertificates(new TextDecoder("latin1").decode(bytes))) {
    using cert = X509Certificate.tryParse(der);
    if (cert) rows.push(certificateRow(cert, path)); // a certificate that does not parse is left out
  }
  bundleCache.delete(file);
  if (bundleCache.size >= CACHED_BUNDLES) bundleCache.delete(bundleCache.keys().next().value!);
  bundleCache.set(file, { identity, rows: rows.map((row) => ({ ...row })) });
  return rows;
}
