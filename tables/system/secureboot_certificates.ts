/**
 * `secureboot_certificates`: the X.509 certificates in the UEFI Secure Boot signature databases, read from
 * efivarfs: the allowed database (db) and the revocation list (dbx), as osquery, plus the Key Exchange Key
 * (KEK) and Platform Key (PK) stores, whose certificates decide who may change db and dbx. Each variable is
 * a 4-byte attribute word followed by EFI_SIGNATURE_LISTs; only lists of X.509 certificates are read
 * (hash lists are skipped). Certificates are read by libcrypto (core/crypto/x509.ts), as the certificates table's are.
 *
 * @module
 */
import { defineTable, type Row } from "../../core/table.ts";
import { registerTable } from "../../core/registry.ts";
import type { Host } from "../../core/host/host.ts";
import { keyUsageText, NID, X509Certificate } from "../../core/crypto/x509.ts";
import { hex } from "../../core/crypto/hex.ts";
import { listDir, readBytes } from "./_lib.ts";

export default registerTable(defineTable({
  name: "secureboot_certificates",
  description: "X.509 certificates in the UEFI Secure Boot stores (db, dbx revocations, KEK, PK), from efivarfs.",
  columns: [
    { name: "common_name", type: "TEXT", description: "The subject's common name (CN)." },
    { name: "subject", type: "TEXT", description: "The subject's distinguished name, in OpenSSL's one-line form." },
    { name: "issuer", type: "TEXT", description: "The issuer's distinguished name, in OpenSSL's one-line form." },
    { name: "not_valid_before", type: "DATETIME", description: "Start of the validity period." },
    {
      name: "not_valid_after",
      type: "DATETIME",
      description: "End of the validity period: when the certificate expires.",
    },
    { name: "sha1", type: "TEXT", collate: "nocase", description: "SHA-1 of the DER-encoded certificate, hex." },
    { name: "serial", type: "TEXT", collate: "nocase", description: "The serial number, hex." },
    {
      name: "revoked",
      type: "INTEGER",
      description: "1 when the certificate is in dbx (revoked), 0 when in db, KEK or PK.",
    },
    { name: "path", type: "TEXT", description: "The efivarfs file the certificate was read from." },
    { name: "is_ca", type: "INTEGER", description: "1 when the certificate may sign others (a CA), else 0." },
    { name: "self_signed", type: "INTEGER", description: "1 when the certificate signed itself, else 0." },
    { name: "key_usage", type: "TEXT", description: "The key usage extension, as OpenSSL prints it." },
    {
      name: "authority_key_id",
      type: "TEXT",
      collate: "nocase",
      description: "The authority key identifier extension, hex.",
    },
    {
      name: "subject_key_id",
      type: "TEXT",
      collate: "nocase",
      description: "The subject key identifier extension, hex.",
    },
    { name: "signing_algorithm", type: "TEXT", description: "The algorithm the issuer signed with." },
    { name: "key_algorithm", type: "TEXT", description: "The public key's algorithm." },
    { name: "key_strength", type: "TEXT", description: "The public key's size in bits." },
  ],
  generate(ctx) {
    // Hashing each certificate costs: only when the query reads sha1.
    return secureBootCertificateRows(ctx.host, ctx.isUsed("sha1"));
  },
}));

/** EFI_CERT_X509_GUID (a5c059a1-94e4-4aa7-87b5-ab155c2bf072) as stored: the first three fields little-endian. */
const X509_GUID = new Uint8Array([
  0xa1,
  0x59,
  0xc0,
  0xa5,
  0xe4,
  0x94,
  0xa7,
  0x4a,
  0x87,
  0xb5,
  0xab,
  0x15,
  0x5c,
  0x2b,
  0xf0,
  0x72,
]);
/** The signature stores read, in order; only dbx is a revocation list. */
const STORES = ["db", "dbx", "KEK", "PK"] as const;
const LIST_HEADER = 28;
const OWNER_GUID = 16;

/** The DER certificates in an efivarfs variable's bytes (attribute word first); malformed lists end the walk. */
export function eslCertificates(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (data.length < 4 + LIST_HEADER) return out;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let head = 4;
  while (head + LIST_HEADER <= data.length) {
    const listSize = view.getUint32(head + 16, true);
    const headerSize = view.getUint32(head + 20, true);
    const sigSize = view.getUint32(head + 24, true);
    if (listSize < LIST_HEADER || head + listSize > data.length) break;
    const isX509 = X509_GUID.every((b, i) => data[head + i] === b);
    const first = head + LIST_HEADER + headerSize;
    const end = head + listSize;
    if (isX509 && sigSize > OWNER_GUID && first <= end) {
      for (let at = first; at + sigSize <= end; at += sigSize) out.push(data.subarray(at + OWNER_GUID, at + sigSize));
    }
    head = end;
  }
  return out;
}

/** The rows for `host`'s signature stores; certificates that do not parse are skipped. */
function secureBootCertificateRows(host: Host, withSha1: boolean): Row[] {
  const efivars = "/sys/firmware/efi/efivars";
  const dir = host.path(efivars);
  const names = listDir(dir).map((e) => e.name);
  const rows: Row[] = [];
  for (const store of STORES) {
    const pattern = new RegExp(`^${store}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, "i");
    for (const name of names.filter((n) => pattern.test(n))) {
      const data = readBytes(`${dir}/${name}`);
      if (!data) continue;
      for (const der of eslCertificates(data)) {
        using cert = X509Certificate.tryParse(der);
        if (!cert) continue;
        const akid = cert.authorityKeyId();
        const skid = cert.subjectKeyId();
        rows.push({
          common_name: cert.nameEntry("subject", NID.commonName) ?? "",
          subject: cert.nameOneline("subject"),
          issuer: cert.nameOneline("issuer"),
          not_valid_before: cert.validity("notBefore") ?? null,
          not_valid_after: cert.validity("notAfter") ?? null,
          sha1: withSha1 ? cert.digest("sha1") : "",
          serial: cert.serialHex(),
          revoked: store === "dbx" ? 1 : 0,
          // osquery reports the path it globbed: the efivarfs path as the host sees it.
          path: `${efivars}/${name}`,
          is_ca: cert.isCa() ? 1 : 0,
          self_signed: cert.isSelfSigned() ? 1 : 0,
          key_usage: keyUsageText(cert.keyUsage()),
          authority_key_id: akid ? hex(akid) : "",
          subject_key_id: skid ? hex(skid) : "",
          signing_algorithm: cert.signatureLongName() ?? "",
          key_algorithm: cert.keyAlgorithm() ?? "",
          key_strength: cert.keyStrength() ?? "",
        });
      }
    }
  }
  return rows;
}
