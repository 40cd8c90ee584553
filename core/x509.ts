/**
 * X.509 certificates for the tables that report them (certificates, curl_certificate,
 * secureboot_certificates): a small DER reader, the certificate fields those tables report, and text
 * renderings that follow OpenSSL's (names in its "oneline" forms, extension values as
 * `openssl x509 -text` prints them, key usage names as osquery lists them), since osquery's columns
 * are OpenSSL's output.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";

/** Bytes as hex, two digits each, joined by `separator`; upper case when asked. */
function toHex(bytes: Uint8Array, separator = "", upper = false): string {
  const parts: string[] = [];
  for (const b of bytes) parts.push(b.toString(16).padStart(2, "0"));
  const text = parts.join(separator);
  return upper ? text.toUpperCase() : text;
}

/** Four bytes as a dotted quad. */
function formatIpv4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** osquery's key usage names, in its order (by OpenSSL's ex_kusage bit value). */
const OSQUERY_KEY_USAGE: [number, string][] = [
  [0x0001, "Encipher Only"],
  [0x0002, "CRL Sign"],
  [0x0004, "Key Cert Sign"],
  [0x0008, "Key Agreement"],
  [0x0010, "Data Encipherment"],
  [0x0020, "Key Encipherment"],
  [0x0040, "Non Repudiation"],
  [0x0080, "Digital Signature"],
  [0x8000, "Decipher Only"],
];

/** The key usage bits (OpenSSL's ex_kusage values) as osquery names them, comma-separated; "" when absent. */
export function keyUsageText(bits: number | undefined): string {
  return bits === undefined ? "" : OSQUERY_KEY_USAGE.filter(([bit]) => (bits & bit) !== 0).map(([, n]) => n).join(", ");
}

/** A malformed DER structure; callers skip the certificate. */
export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DerError";
  }
}

/** One DER element: tag byte, where its contents sit, and the whole encoding. */
export interface Der {
  tag: number;
  /** The contents (value bytes). */
  value: Uint8Array;
  /** Tag, length and contents together. */
  encoded: Uint8Array;
}

/** Reads the DER element at `offset` of `bytes`. */
export function readDer(bytes: Uint8Array, offset = 0): Der {
  if (offset + 2 > bytes.length) throw new DerError("Truncated DER element.");
  const tag = bytes[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError("High tag numbers are not supported.");
  let length = bytes[offset + 1];
  let at = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || at + count > bytes.length) throw new DerError("Bad DER length.");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[at + i];
    at += count;
  }
  if (at + length > bytes.length) throw new DerError("DER element runs past its container.");
  return { tag, value: bytes.subarray(at, at + length), encoded: bytes.subarray(offset, at + length) };
}

/** The child elements of a constructed element. */
export function children(der: Der): Der[] {
  const out: Der[] = [];
  for (let at = 0; at < der.value.length;) {
    const child = readDer(der.value, at);
    out.push(child);
    at += child.encoded.length;
  }
  return out;
}

/** Decodes an OBJECT IDENTIFIER's contents to dotted text. */
export function oidText(value: Uint8Array): string {
  if (value.length === 0) return "";
  const parts: number[] = [];
  let n = 0;
  for (const byte of value) {
    n = n * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (parts.length === 0) {
        const first = n < 80 ? Math.floor(n / 40) : 2;
        parts.push(first, n - first * 40);
      } else parts.push(n);
      n = 0;
    }
  }
  return parts.join(".");
}

/** OpenSSL's short and long names for the object identifiers these tables print. */
const OIDS: Record<string, [string, string]> = {
  "2.5.4.3": ["CN", "commonName"],
  "2.5.4.4": ["SN", "surname"],
  "2.5.4.5": ["serialNumber", "serialNumber"],
  "2.5.4.6": ["C", "countryName"],
  "2.5.4.7": ["L", "localityName"],
  "2.5.4.8": ["ST", "stateOrProvinceName"],
  "2.5.4.9": ["street", "streetAddress"],
  "2.5.4.10": ["O", "organizationName"],
  "2.5.4.11": ["OU", "organizationalUnitName"],
  "2.5.4.12": ["title", "title"],
  "2.5.4.13": ["description", "description"],
  "2.5.4.15": ["businessCategory", "businessCategory"],
  "2.5.4.17": ["postalCode", "postalCode"],
  "2.5.4.41": ["name", "name"],
  "2.5.4.42": ["GN", "givenName"],
  "2.5.4.43": ["initials", "initials"],
  "2.5.4.44": ["generationQualifier", "generationQualifier"],
  "2.5.4.45": ["x500UniqueIdentifier", "x500UniqueIdentifier"],
  "2.5.4.46": ["dnQualifier", "dnQualifier"],
  "2.5.4.65": ["pseudonym", "pseudonym"],
  "2.5.4.97": ["organizationIdentifier", "organizationIdentifier"],
  "1.2.840.113549.1.9.1": ["emailAddress", "emailAddress"],
  "0.9.2342.19200300.100.1.1": ["UID", "userId"],
  "0.9.2342.19200300.100.1.25": ["DC", "domainComponent"],
  "1.3.6.1.4.1.311.60.2.1.1": ["jurisdictionL", "jurisdictionLocalityName"],
  "1.3.6.1.4.1.311.60.2.1.2": ["jurisdictionST", "jurisdictionStateOrProvinceName"],
  "1.3.6.1.4.1.311.60.2.1.3": ["jurisdictionC", "jurisdictionCountryName"],
  "1.2.840.113549.1.1.1": ["rsaEncryption", "rsaEncryption"],
  "1.2.840.113549.1.1.2": ["RSA-MD2", "md2WithRSAEncryption"],
  "1.2.840.113549.1.1.4": ["RSA-MD5", "md5WithRSAEncryption"],
  "1.2.840.113549.1.1.5": ["RSA-SHA1", "sha1WithRSAEncryption"],
  "1.2.840.113549.1.1.10": ["RSASSA-PSS", "rsassaPss"],
  "1.2.840.113549.1.1.11": ["RSA-SHA256", "sha256WithRSAEncryption"],
  "1.2.840.113549.1.1.12": ["RSA-SHA384", "sha384WithRSAEncryption"],
  "1.2.840.113549.1.1.13": ["RSA-SHA512", "sha512WithRSAEncryption"],
  "1.2.840.113549.1.1.14": ["RSA-SHA224", "sha224WithRSAEncryption"],
  "1.2.840.10040.4.1": ["DSA", "dsaEncryption"],
  "1.2.840.10040.4.3": ["DSA-SHA1", "dsaWithSHA1"],
  "2.16.840.1.101.3.4.3.1": ["dsa_with_SHA224", "dsa_with_SHA224"],
  "2.16.840.1.101.3.4.3.2": ["dsa_with_SHA256", "dsa_with_SHA256"],
  "1.2.840.10045.2.1": ["id-ecPublicKey", "id-ecPublicKey"],
  "1.2.840.10045.4.1": ["ecdsa-with-SHA1", "ecdsa-with-SHA1"],
  "1.2.840.10045.4.3.1": ["ecdsa-with-SHA224", "ecdsa-with-SHA224"],
  "1.2.840.10045.4.3.2": ["ecdsa-with-SHA256", "ecdsa-with-SHA256"],
  "1.2.840.10045.4.3.3": ["ecdsa-with-SHA384", "ecdsa-with-SHA384"],
  "1.2.840.10045.4.3.4": ["ecdsa-with-SHA512", "ecdsa-with-SHA512"],
  "1.3.101.110": ["X25519", "X25519"],
  "1.3.101.111": ["X448", "X448"],
  "1.3.101.112": ["ED25519", "ED25519"],
  "1.3.101.113": ["ED448", "ED448"],
  "1.2.840.10045.3.1.1": ["prime192v1", "prime192v1"],
  "1.2.840.10045.3.1.7": ["prime256v1", "prime256v1"],
  "1.3.132.0.10": ["secp256k1", "secp256k1"],
  "1.3.132.0.33": ["secp224r1", "secp224r1"],
  "1.3.132.0.34": ["secp384r1", "secp384r1"],
  "1.3.132.0.35": ["secp521r1", "secp521r1"],
  "1.3.36.3.3.2.8.1.1.7": ["brainpoolP256r1", "brainpoolP256r1"],
  "1.3.36.3.3.2.8.1.1.11": ["brainpoolP384r1", "brainpoolP384r1"],
  "1.3.36.3.3.2.8.1.1.13": ["brainpoolP512r1", "brainpoolP512r1"],
  "1.3.6.1.5.5.7.3.1": ["serverAuth", "TLS Web Server Authentication"],
  "1.3.6.1.5.5.7.3.2": ["clientAuth", "TLS Web Client Authentication"],
  "1.3.6.1.5.5.7.3.3": ["codeSigning", "Code Signing"],
  "1.3.6.1.5.5.7.3.4": ["emailProtection", "E-mail Protection"],
  "1.3.6.1.5.5.7.3.5": ["ipsecEndSystem", "IPSec End System"],
  "1.3.6.1.5.5.7.3.6": ["ipsecTunnel", "IPSec Tunnel"],
  "1.3.6.1.5.5.7.3.7": ["ipsecUser", "IPSec User"],
  "1.3.6.1.5.5.7.3.8": ["timeStamping", "Time Stamping"],
  "1.3.6.1.5.5.7.3.9": ["OCSPSigning", "OCSP Signing"],
  "2.5.29.37.0": ["anyExtendedKeyUsage", "Any Extended Key Usage"],
  "1.3.6.1.4.1.311.10.3.3": ["msSGC", "Microsoft Server Gated Crypto"],
  "2.16.840.1.113730.4.1": ["nsSGC", "Netscape Server Gated Crypto"],
  "1.3.6.1.5.5.7.48.1": ["OCSP", "OCSP"],
  "1.3.6.1.5.5.7.48.2": ["caIssuers", "CA Issuers"],
  "1.3.6.1.5.5.7.48.3": ["ad_timestamping", "AD Time Stamping"],
  "1.3.6.1.5.5.7.48.5": ["caRepository", "CA Repository"],
  "2.5.29.32.0": ["anyPolicy", "X509v3 Any Policy"],
};

/** OpenSSL's short name for `oid`, or undefined when it has none. */
export function shortName(oid: string): string | undefined {
  return OIDS[oid]?.[0];
}

/** OpenSSL's long name for `oid`, or undefined when it has none. */
export function longName(oid: string): string | undefined {
  return OIDS[oid]?.[1];
}

/** One attribute of a distinguished name. */
export interface NameEntry {
  oid: string;
  /** The ASN.1 string type tag (12 UTF8String, 19 PrintableString, 30 BMPString, ...). */
  type: number;
  /** The raw string bytes. */
  bytes: Uint8Array;
  /** The whole value's DER (for dumping unknown types). */
  encoded: Uint8Array;
  /** Index of the RDN (SET) the attribute belongs to. */
  set: number;
}

/** A parsed distinguished name and its DER. */
export interface Name {
  entries: NameEntry[];
  der: Uint8Array;
}

function parseName(der: Der): Name {
  const entries: NameEntry[] = [];
  children(der).forEach((rdn, set) => {
    for (const atv of children(rdn)) {
      const [oid, value] = children(atv);
      if (!oid || !value || oid.tag !== 0x06) throw new DerError("Bad name attribute.");
      entries.push({ oid: oidText(oid.value), type: value.tag, bytes: value.value, encoded: value.encoded, set });
    }
  });
  return { entries, der: der.encoded };
}

/** One certificate extension. */
export interface Extension {
  oid: string;
  critical: boolean;
  /** The extnValue contents (the extension's own DER). */
  value: Uint8Array;
}

/** The public key: algorithm, parameters and the key bits. */
export interface PublicKeyInfo {
  algorithm: string;
  parameters?: Der;
  key: Uint8Array;
}

/** A parsed certificate. */
export interface Certificate {
  der: Uint8Array;
  version: number;
  serial: Uint8Array;
  signatureAlgorithm: string;
  issuer: Name;
  subject: Name;
  notBefore: Date;
  notAfter: Date;
  /** notBefore/notAfter as encoded, for ASN1_TIME_print. */
  notBeforeText: string;
  notAfterText: string;
  publicKey: PublicKeyInfo;
  extensions: Extension[];
  signature: Uint8Array;
}

function parseTime(der: Der): { date: Date; text: string } {
  const text = new TextDecoder().decode(der.value);
  const m = der.tag === 0x17
    ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?Z$/.exec(text)
    : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?Z$/.exec(text);
  if (!m) throw new DerError("Bad certificate time.");
  let year = Number(m[1]);
  if (der.tag === 0x17) year += year < 50 ? 2000 : 1900;
  const date = new Date(
    Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)),
  );
  return { date, text };
}

/** Parses one DER certificate. Throws {@linkcode DerError} when it is malformed. */
export function parseCertificate(der: Uint8Array): Certificate {
  const cert = readDer(der);
  if (cert.tag !== 0x30) throw new DerError("Not a certificate.");
  const [tbs, sigAlg, sig] = children(cert);
  if (!tbs || !sigAlg || !sig || sig.tag !== 0x03) throw new DerError("Incomplete certificate.");
  const fields = children(tbs);
  let i = 0;
  let version = 0;
  if (fields[0]?.tag === 0xa0) {
    const v = children(fields[0])[0];
    version = v ? Number(bigFromBytes(v.value)) : 0;
    i++;
  }
  const serial = fields[i++], signature = fields[i++], issuer = fields[i++], validity = fields[i++];
  const subject = fields[i++], spki = fields[i++];
  if (!serial || !signature || !issuer || !validity || !subject || !spki) throw new DerError("Incomplete TBS.");
  const [notBefore, notAfter] = children(validity).map(parseTime);
  if (!notBefore || !notAfter) throw new DerError("Bad validity.");
  const [keyAlg, keyBits] = children(spki);
  const keyAlgParts = children(keyAlg);
  const extensions: Extension[] = [];
  for (const field of fields.slice(i)) {
    if (field.tag !== 0xa3) continue;
    for (const ext of children(children(field)[0])) {
      const parts = children(ext);
      const critical = parts.length === 3 && parts[1].tag === 0x01 && parts[1].value[0] !== 0;
      const value = parts[parts.length - 1];
      extensions.push({ oid: oidText(parts[0].value), critical, value: value.value });
    }
  }
  return {
    der: cert.encoded,
    version,
    serial: serial.value,
    signatureAlgorithm: oidText(children(sigAlg)[0]?.value ?? new Uint8Array()),
    issuer: parseName(issuer),
    subject: parseName(subject),
    notBefore: notBefore.date,
    notAfter: notAfter.date,
    notBeforeText: notBefore.text,
    notAfterText: notAfter.text,
    publicKey: {
      algorithm: oidText(keyAlgParts[0]?.value ?? new Uint8Array()),
      parameters: keyAlgParts[1],
      key: keyBits?.value.subarray(1) ?? new Uint8Array(),
    },
    extensions,
    signature: sig.value.subarray(1),
  };
}

function bigFromBytes(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/** Splits PEM text into the DER of each CERTIFICATE block (other blocks and bad base64 are skipped). */
export function pemCertificates(text: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN (X509 |TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (X509 |TRUSTED )?CERTIFICATE-----/g;
  for (const m of text.matchAll(re)) {
    const body = m[2].replace(/[\r\n\t ]/g, "");
    if (body.length === 0 || body.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) continue;
    const bytes = Buffer.from(body, "base64");
    out.push(new Uint8Array(bytes)); // a copy: Buffer.from may hand out a slice of a shared pool
  }
  return out;
}

/** A certificate as PEM text (64-column base64, trailing newline), as PEM_write_bio_X509 writes it. */
export function toPem(der: Uint8Array): string {
  let binary = "";
  for (const b of der) binary += String.fromCharCode(b);
  const base64 = btoa(binary);
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

/** Lowercase hex digest of the certificate's DER. */
export function fingerprint(cert: Certificate, algorithm: "sha1" | "sha256"): string {
  return createHash(algorithm).update(cert.der).digest("hex");
}

/** The serial number as OpenSSL's BN_bn2hex prints it: uppercase, whole bytes, no leading zero bytes. */
export function serialHex(serial: Uint8Array): string {
  if (serial.length === 0) return "0";
  let bytes = serial;
  if (bytes[0] & 0x80) {
    // Negative: print the magnitude of the two's-complement value.
    const magnitude = (1n << BigInt(bytes.length * 8)) - bigFromBytes(bytes);
    let hex = magnitude.toString(16).toUpperCase();
    if (hex.length % 2) hex = "0" + hex;
    return "-" + hex;
  }
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if (bytes.length === 1 && bytes[0] === 0) return "0";
  return toHex(bytes, "", true);
}

/** The first value of attribute `oid` in `name`, decoded by its string type (Latin-1 for 1-byte types). */
export function nameText(name: Name, oid: string): string | undefined {
  const entry = name.entries.find((e) => e.oid === oid);
  if (!entry) return undefined;
  const codePoints = decodeCodePoints(entry.type, entry.bytes);
  return codePoints ? String.fromCodePoint(...codePoints.map((c) => Math.min(c, 0x10ffff))) : latin1(entry.bytes);
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** X509_NAME_oneline: `/SN=value` per attribute, bytes outside printable ASCII as `\xHH`, `/` and `+` backslashed. */
export function nameOneline(name: Name): string {
  let out = "";
  for (const e of name.entries) {
    out += "/" + (shortName(e.oid) ?? e.oid) + "=";
    let keep = [true, true, true, true];
    if (e.type === 27 && e.bytes.length % 4 === 0) {
      const nonzero = [false, false, false, false];
      e.bytes.forEach((b, j) => {
        if (b !== 0) nonzero[j & 3] = true;
      });
      keep = nonzero[0] || nonzero[1] || nonzero[2] ? [true, true, true, true] : [false, false, false, true];
    }
    e.bytes.forEach((b, j) => {
      if (!keep[j & 3]) return;
      if (b < 0x20 || b > 0x7e) out += "\\x" + b.toString(16).toUpperCase().padStart(2, "0");
      else if (b === 0x2f || b === 0x2b) out += "\\" + String.fromCharCode(b); // '/' and '+' are escaped
      else out += String.fromCharCode(b);
    });
  }
  return out;
}

const ONE_BYTE_TYPES = new Set([12, 18, 19, 20, 22, 23, 24, 26]);

/** True when no byte needs escaping or quoting: printable ASCII, no RFC 2253 specials, no edge spaces or '#'. */
function isPlainAscii(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return true;
  if (bytes[0] === 0x20 || bytes[0] === 0x23 || bytes[bytes.length - 1] === 0x20) return false;
  for (const b of bytes) {
    if (b < 0x20 || b > 0x7e || b === 0x2c || b === 0x2b || b === 0x22 || b === 0x5c || b === 0x3c || b === 0x3e) {
      return false;
    }
    if (b === 0x3b) return false;
  }
  return true;
}

/** Characters RFC 2253 escapes (OpenSSL quotes the whole value instead when asked to). */
const RFC2253_SPECIAL = new Set([",", "+", '"', "\\", "<", ">", ";"]);

function decodeCodePoints(type: number, bytes: Uint8Array): number[] | undefined {
  switch (type) {
    case 12: // UTF8String
      return [...new TextDecoder().decode(bytes)].map((c) => c.codePointAt(0)!);
    case 18:
    case 19:
    case 20:
    case 22:
    case 23:
    case 24:
    case 26:
      return [...bytes];
    case 30: { // BMPString
      const out: number[] = [];
      for (let i = 0; i + 1 < bytes.length; i += 2) out.push((bytes[i] << 8) | bytes[i + 1]);
      return out;
    }
    case 28: { // UniversalString
      const out: number[] = [];
      for (let i = 0; i + 3 < bytes.length; i += 4) {
        out.push(((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0);
      }
      return out;
    }
    default:
      return undefined;
  }
}

/**
 * One attribute value in OpenSSL's RFC 2253 oneline style: converted to UTF-8, control and
 * non-ASCII bytes as `\XX`, the value quoted when it holds a special character, unknown string
 * types dumped as `#` and the DER in hex.
 */
function rfc2253Value(e: NameEntry): string {
  if (ONE_BYTE_TYPES.has(e.type) && isPlainAscii(e.bytes)) return latin1(e.bytes);
  const codePoints = decodeCodePoints(e.type, e.bytes);
  if (!codePoints) return "#" + toHex(e.encoded, "", true);
  const bytes = new TextEncoder().encode(String.fromCodePoint(...codePoints.map((c) => Math.min(c, 0x10ffff))));
  let quote = false;
  let out = "";
  bytes.forEach((b, i) => {
    const ch = String.fromCharCode(b);
    const first = i === 0, last = i === bytes.length - 1;
    if (b > 0x7f || b < 0x20 || b === 0x7f) out += "\\" + b.toString(16).toUpperCase().padStart(2, "0");
    else if (RFC2253_SPECIAL.has(ch) || (first && (ch === "#" || ch === " ")) || (last && ch === " ")) {
      quote = true;
      out += ch;
    } else out += ch;
  });
  return quote ? `"${out}"` : out;
}

/** X509_NAME_print_ex with XN_FLAG_ONELINE: `SN = value, SN = value`, multi-valued RDNs joined by ` + `. */
export function nameRfc2253Oneline(name: Name): string {
  let out = "";
  name.entries.forEach((e, i) => {
    if (i > 0) out += e.set === name.entries[i - 1].set ? " + " : ", ";
    out += (shortName(e.oid) ?? e.oid) + " = " + rfc2253Value(e);
  });
  return out;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** ASN1_TIME_print's form: `Mon DD HH:MM:SS YYYY GMT` (day padded with a space). */
export function asn1TimeText(date: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, " ")} ${p(date.getUTCHours())}:${
    p(date.getUTCMinutes())
  }:${p(date.getUTCSeconds())} ${date.getUTCFullYear()} GMT`;
}

/** The extension with `oid`, if present. */
export function extension(cert: Certificate, oid: string): Extension | undefined {
  return cert.extensions.find((e) => e.oid === oid);
}

/** Extension object identifiers. */
export const EXT = {
  subjectKeyId: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  issuerAltName: "2.5.29.18",
  basicConstraints: "2.5.29.19",
  nameConstraints: "2.5.29.30",
  policies: "2.5.29.32",
  policyMappings: "2.5.29.33",
  authorityKeyId: "2.5.29.35",
  policyConstraints: "2.5.29.36",
  extKeyUsage: "2.5.29.37",
  infoAccess: "1.3.6.1.5.5.7.1.1",
  subjectInfoAccess: "1.3.6.1.5.5.7.1.11",
  netscapeCertType: "2.16.840.1.113730.1.1",
} as const;

/** The keyUsage bits as OpenSSL's ex_kusage (first byte low, second byte high), or undefined when absent. */
export function keyUsageBits(cert: Certificate): number | undefined {
  const ext = extension(cert, EXT.keyUsage);
  if (!ext) return undefined;
  try {
    const bits = readDer(ext.value);
    const data = bits.value.subarray(1);
    return (data[0] ?? 0) | ((data[1] ?? 0) << 8);
  } catch {
    return undefined;
  }
}

/** basicConstraints: present, cA flag and optional path length; undefined when absent or malformed. */
export function basicConstraints(cert: Certificate): { ca: boolean; pathLen?: bigint } | undefined {
  const ext = extension(cert, EXT.basicConstraints);
  if (!ext) return undefined;
  try {
    let ca = false;
    let pathLen: bigint | undefined;
    for (const c of children(readDer(ext.value))) {
      if (c.tag === 0x01) ca = c.value[0] !== 0;
      else if (c.tag === 0x02) pathLen = bigFromBytes(c.value);
    }
    return { ca, pathLen };
  } catch {
    return undefined;
  }
}

/** The subject key identifier's bytes, if present. */
export function subjectKeyId(cert: Certificate): Uint8Array | undefined {
  const ext = extension(cert, EXT.subjectKeyId);
  if (!ext) return undefined;
  try {
    return readDer(ext.value).value;
  } catch {
    return undefined;
  }
}

/** The authority key identifier's parts (keyid, issuer names, serial), if present. */
export function authorityKeyId(
  cert: Certificate,
): { keyId?: Uint8Array; issuer?: Der; serial?: Uint8Array } | undefined {
  const ext = extension(cert, EXT.authorityKeyId);
  if (!ext) return undefined;
  try {
    const out: { keyId?: Uint8Array; issuer?: Der; serial?: Uint8Array } = {};
    for (const c of children(readDer(ext.value))) {
      if (c.tag === 0x80) out.keyId = c.value;
      else if (c.tag === 0xa1) out.issuer = c;
      else if (c.tag === 0x82) out.serial = c.value;
    }
    return out;
  } catch {
    return undefined;
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Compares names the way X509_NAME_cmp's canonical form does: case and inner whitespace folded. */
export function namesEqual(a: Name, b: Name): boolean {
  if (bytesEqual(a.der, b.der)) return true;
  if (a.entries.length !== b.entries.length) return false;
  const canon = (e: NameEntry) => {
    const cps = decodeCodePoints(e.type, e.bytes);
    const text = cps ? String.fromCodePoint(...cps.map((c) => Math.min(c, 0x10ffff))) : toHex(e.encoded);
    return `${e.set}|${e.oid}|${text.trim().replace(/\s+/g, " ").toLowerCase()}`;
  };
  return a.entries.every((e, i) => canon(e) === canon(b.entries[i]));
}

/**
 * X509_check_issued(cert, cert) == X509_V_OK: issuer equals subject, the authority key id (if
 * any) matches the certificate's own key id and serial, and keyUsage (if any) allows signing
 * certificates.
 */
export function isSelfSigned(cert: Certificate): boolean {
  if (!namesEqual(cert.issuer, cert.subject)) return false;
  const akid = authorityKeyId(cert);
  if (akid) {
    const skid = subjectKeyId(cert);
    if (akid.keyId && skid && !bytesEqual(akid.keyId, skid)) return false;
    if (akid.serial && !bytesEqual(stripZeros(akid.serial), stripZeros(cert.serial))) return false;
  }
  const ku = keyUsageBits(cert);
  if (ku !== undefined && (ku & 0x04) === 0) return false;
  return true;
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

/** X509_check_ca(cert) > 0: a CA by basicConstraints, or a v1 self-signed root, or by keyUsage/Netscape type. */
export function isCa(cert: Certificate): boolean {
  const ku = keyUsageBits(cert);
  if (ku !== undefined && (ku & 0x04) === 0) return false;
  const bc = basicConstraints(cert);
  if (extension(cert, EXT.basicConstraints)) return bc?.ca ?? false;
  if (cert.version === 0 && isSelfSigned(cert)) return true;
  if (ku !== undefined) return true;
  const ns = extension(cert, EXT.netscapeCertType);
  if (ns) {
    try {
      const bits = readDer(ns.value).value[1] ?? 0;
      return (bits & 0x07) !== 0; // SSL CA, S/MIME CA, object-signing CA
    } catch {
      return false;
    }
  }
  return false;
}

/** The RSA modulus size in bits rounded up to whole bytes, or the DSA signature size, as EVP_PKEY_size * 8. */
export function keyStrength(cert: Certificate): string | undefined {
  const alg = cert.publicKey.algorithm;
  try {
    if (alg === "1.2.840.113549.1.1.1") {
      const [modulus] = children(readDer(cert.publicKey.key));
      return String(stripZeros(modulus.value).length * 8);
    }
    if (alg === "1.2.840.10040.4.1" && cert.publicKey.parameters) {
      const [, q] = children(cert.publicKey.parameters);
      const qBytes = stripZeros(q.value).length;
      const intLength = derLength(qBytes + 1);
      return String(derLength(2 * intLength) * 8);
    }
    if (alg === "1.2.840.10045.2.1" && cert.publicKey.parameters?.tag === 0x06) {
      return longName(oidText(cert.publicKey.parameters.value));
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function derLength(contentLength: number): number {
  const lengthBytes = contentLength < 128 ? 1 : contentLength < 256 ? 2 : contentLength < 65536 ? 3 : 4;
  return 1 + lengthBytes + contentLength;
}

// ---- extension values as X509V3_EXT_print writes them (OpenSSL 3) ----

const KEY_USAGE_NAMES = [
  "Digital Signature",
  "Non Repudiation",
  "Key Encipherment",
  "Data Encipherment",
  "Key Agreement",
  "Certificate Sign",
  "CRL Sign",
  "Encipher Only",
  "Decipher Only",
];

function objectName(oid: string): string {
  return longName(oid) ?? oid;
}

function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return formatIpv4(bytes);
  if (bytes.length === 16) {
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) words.push(((bytes[i] << 8) | bytes[i + 1]).toString(16).toUpperCase());
    return words.join(":");
  }
  return "<invalid>";
}

/** One GeneralName as GENERAL_NAME_print writes it (`DNS:x`, `IP Address:y`, `URI:z`, ...). */
function generalName(g: Der): string {
  switch (g.tag) {
    case 0xa0:
      return "othername:<unsupported>";
    case 0x81:
      return "email:" + latin1(g.value);
    case 0x82:
      return "DNS:" + latin1(g.value);
    case 0xa3:
      return "X400Name:<unsupported>";
    case 0xa4:
      return "DirName:" + nameOneline(parseName(readDer(g.value)));
    case 0xa5:
      return "EdiPartyName:<unsupported>";
    case 0x86:
      return "URI:" + latin1(g.value);
    case 0x87:
      return "IP Address:" + ipText(g.value);
    case 0x88:
      return "Registered ID:" + objectName(oidText(g.value));
    default:
      return "<unsupported>";
  }
}

function bitNames(value: Uint8Array, names: string[]): string[] {
  const bits = readDer(value).value.subarray(1);
  return names.filter((_, i) => ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0);
}

function userNotice(d: Der, indent: string): string[] {
  const lines = [`${indent}User Notice:`];
  for (const part of children(d)) {
    if (part.tag === 0x30) {
      const [org, numbers] = children(part);
      lines.push(`${indent}  Organization: ${latin1(org?.value ?? new Uint8Array())}`);
      const nums = numbers ? children(numbers).map((n) => bigFromBytes(n.value).toString()) : [];
      lines.push(`${indent}  ${nums.length > 1 ? "Numbers" : "Number"}: ${nums.join(", ")}`);
    } else {
      // OpenSSL prints the raw bytes as a C string: a BMPString's leading NUL ends it at once.
      const end = part.value.indexOf(0);
      const raw = end < 0 ? part.value : part.value.subarray(0, end);
      lines.push(`${indent}  Explicit Text: ${part.tag === 0x0c ? new TextDecoder().decode(raw) : latin1(raw)}`);
    }
  }
  return lines;
}

function policiesText(value: Uint8Array): string {
  const lines: string[] = [];
  for (const policy of children(readDer(value))) {
    const [id, qualifiers] = children(policy);
    lines.push(`Policy: ${objectName(oidText(id.value))}`);
    for (const q of qualifiers ? children(qualifiers) : []) {
      const [qid, qval] = children(q);
      const qoid = oidText(qid.value);
      if (qoid === "1.3.6.1.5.5.7.2.1") lines.push(`  CPS: ${latin1(qval.value)}`);
      else if (qoid === "1.3.6.1.5.5.7.2.2") lines.push(...userNotice(qval, "  "));
      else lines.push(`  ${objectName(qoid)}: <unsupported>`);
    }
  }
  return lines.join(";");
}

function nameConstraintsText(value: Uint8Array): string {
  const lines: string[] = [];
  for (const part of children(readDer(value))) {
    lines.push(part.tag === 0xa0 ? "Permitted:" : "Excluded:");
    for (const subtree of children(part)) {
      const [base] = children(subtree);
      if (base.tag === 0x87 && (base.value.length === 8 || base.value.length === 32)) {
        const half = base.value.length / 2;
        lines.push(`  IP:${ipText(base.value.subarray(0, half))}/${ipText(base.value.subarray(half))}`);
      } else lines.push("  " + generalName(base));
    }
  }
  return lines.join(";");
}

/**
 * The text curl_certificate reports for an extension: X509V3_EXT_print's output with the trailing
 * newline removed and inner newlines turned into `;`, as osquery does. "" when absent.
 */
export function extensionText(cert: Certificate, oid: string): string {
  const ext = extension(cert, oid);
  if (!ext) return "";
  try {
    switch (oid) {
      case EXT.subjectKeyId:
        return toHex(readDer(ext.value).value, ":", true);
      case EXT.authorityKeyId: {
        const akid = authorityKeyId(cert)!;
        const lines: string[] = [];
        const named = akid.issuer !== undefined || akid.serial !== undefined;
        if (akid.keyId) lines.push((named ? "keyid:" : "") + toHex(akid.keyId, ":", true));
        if (akid.issuer) { for (const g of children(akid.issuer)) lines.push(generalName(g)); }
        if (akid.serial) lines.push("serial:" + toHex(stripZeros(akid.serial), ":", true));
        return lines.join(";");
      }
      case EXT.keyUsage:
        return bitNames(ext.value, KEY_USAGE_NAMES).join(", ");
      case EXT.extKeyUsage:
        return children(readDer(ext.value)).map((o) => objectName(oidText(o.value))).join(", ");
      case EXT.basicConstraints: {
        const bc = basicConstraints(cert)!;
        return `CA:${bc.ca ? "TRUE" : "FALSE"}` + (bc.pathLen !== undefined ? `, pathlen:${bc.pathLen}` : "");
      }
      case EXT.subjectAltName:
      case EXT.issuerAltName:
        return children(readDer(ext.value)).map(generalName).join(", ");
      case EXT.infoAccess:
      case EXT.subjectInfoAccess:
        return children(readDer(ext.value)).map((ad) => {
          const [method, location] = children(ad);
          return `${objectName(oidText(method.value))} - ${generalName(location)}`;
        }).join(";");
      case EXT.policies:
        return policiesText(ext.value);
      case EXT.policyMappings:
        return children(readDer(ext.value)).map((m) => {
          const [a, b] = children(m);
          return `${objectName(oidText(a.value))}:${objectName(oidText(b.value))}`;
        }).join(", ");
      case EXT.nameConstraints:
        return nameConstraintsText(ext.value);
      case EXT.policyConstraints:
        return children(readDer(ext.value)).map((c) =>
          `${c.tag === 0x80 ? "Require Explicit Policy" : "Inhibit Policy Mapping"}:${bigFromBytes(c.value)}`
        ).join(", ");
    }
  } catch {
    // fall through to the raw dump, as OpenSSL does for values it cannot print
  }
  return latin1(ext.value).replace(/[^\x20-\x7e]/g, ".");
}
